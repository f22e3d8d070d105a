package dev.cleanroom.examples;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** What an example's HTML report holds, read from its markup. */
final class ReportMarkup {
  private ReportMarkup() {}

  /** The number of bars in each chart, in page order. */
  static List<Integer> barsPerChart(String html) {
    List<Integer> out = new ArrayList<>();
    for (int at = html.indexOf("<svg class=\"chart\""); at >= 0; ) {
      int end = html.indexOf("</svg>", at);
      out.add(count(html.substring(at, end), "<rect class=\"bar\""));
      at = html.indexOf("<svg class=\"chart\"", end);
    }
    return out;
  }

  static int count(String text, String part) {
    int n = 0;
    for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
      n++;
    }
    return n;
  }

  /** Fails if the page has a script, a URL or a raw policy's {@code toString()}. */
  static void assertStatic(String html) {
    String lower = html.toLowerCase(Locale.ROOT);
    for (String bad : List.of("<script", "http://", "https://", "src=", "href=", "url(")) {
      assertFalse(lower.contains(bad), bad);
    }
    assertFalse(html.contains("Policy["), "a policy as toString()");
  }
}
