package dev.cleanroom.report;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.ColumnType;
import dev.cleanroom.query.CellNoise;
import dev.cleanroom.query.PrivacyReport;
import dev.cleanroom.query.Result;
import dev.cleanroom.query.ResultColumn;
import dev.cleanroom.query.ResultRow;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

class HtmlReportProperties {
  /** Any text, with markup, quotes, ampersands, URLs, controls and characters beyond the BMP. */
  @Provide
  Arbitrary<String> hostile() {
    return Arbitraries.oneOf(
        Arbitraries.strings().all().ofMaxLength(40),
        Arbitraries.of(
            "<script>alert(1)</script>",
            "\"><img src=x onerror=alert(1)>",
            "' onload='x",
            "&amp; &lt; &#60;",
            "https://example.com/x.png",
            "http://example.com",
            "<link rel=stylesheet href=//evil>",
            "url(//evil)",
            "\ud83d\ude00 é ß 中文 \u202e",
            "\u0000\u0007\ud800]]>",
            "</svg></text><style>*{}</style>"),
        Arbitraries.strings().withChars("<>&\"'/:= scripthtp").ofMinLength(1).ofMaxLength(30));
  }

  private static final Pattern SCRIPT = Pattern.compile("(?i)<\\s*script");
  private static final Pattern TAG = Pattern.compile("<[a-zA-Z/!][^<>]*>");

  /** An attribute and its quoted value: escaped text has no quote, so it cannot end one early. */
  private static final Pattern ATTRIBUTE = Pattern.compile("\\s([^\\s=<>\"]+)=\"[^\"]*\"");

  /** Attributes that load nothing and run nothing (no src, href, on..., style). */
  private static final java.util.Set<String> SAFE_ATTRIBUTES =
      java.util.Set.of(
          "lang",
          "charset",
          "class",
          "width",
          "height",
          "viewBox",
          "role",
          "aria-label",
          "x",
          "y",
          "x1",
          "x2",
          "y1",
          "y2",
          "d",
          "text-anchor",
          "data-value",
          "colspan",
          "scope");

  private static final Pattern ENTITY = Pattern.compile("&(?!(amp|lt|gt|quot|#39|#58);)");

  @Property(tries = 300)
  void everyText_isEscaped_andThePageLoadsNothing(
      @ForAll("hostile") String title,
      @ForAll("hostile") String heading,
      @ForAll("hostile") String column,
      @ForAll @Size(min = 1, max = 4) List<@net.jqwik.api.From("hostile") String> groups) {
    List<ResultColumn> cols =
        List.of(
            new ResultColumn("g" + column, ColumnType.STRING, false),
            new ResultColumn("a" + column, ColumnType.LONG, true));
    List<ResultRow> rows = new ArrayList<>();
    List<String> distinct = groups.stream().distinct().toList();
    for (int i = 0; i < distinct.size(); i++) {
      rows.add(
          new ResultRow(
              cols,
              List.of(distinct.get(i), (long) i * 7),
              List.of(
                  Optional.empty(), Optional.of(new CellNoise(column, 1, i * 7 - 3, i * 7 + 3)))));
    }
    Result result =
        new Result(
            "q",
            cols,
            rows,
            new PrivacyReport(
                true, BigDecimal.ONE, BigDecimal.ZERO, List.of(heading), List.of(), false));
    String html =
        HtmlReport.builder(title).result(heading, result, List.of(List.of(title))).build().html();
    assertFalse(SCRIPT.matcher(html).find(), html);
    assertFalse(html.contains("http://") || html.contains("https://"), html);
    java.util.regex.Matcher tags = TAG.matcher(html);
    while (tags.find()) {
      java.util.regex.Matcher attributes = ATTRIBUTE.matcher(tags.group());
      while (attributes.find()) {
        assertTrue(SAFE_ATTRIBUTES.contains(attributes.group(1)), "attribute " + tags.group());
      }
    }
    String style = html.substring(html.indexOf("<style>"), html.indexOf("</style>"));
    assertFalse(style.contains("url(") || style.contains("@import"), style);
    for (String text : List.of(title, heading, column)) {
      assertTrue(html.contains(Html.escape(text)), "escaped: " + text);
    }
    for (String g : distinct) {
      assertTrue(html.contains("<td>" + Html.escape(g) + "</td>"), "a table cell of " + g);
    }
    // Outside the tags, no text has a raw markup character left.
    String withoutTags = TAG.matcher(html).replaceAll("");
    assertFalse(withoutTags.contains("<"), "a stray < in the text");
    assertFalse(withoutTags.contains(">"), "a stray > in the text");
    assertFalse(ENTITY.matcher(withoutTags).find(), "a bare & in the text");
  }

  @Property
  void escape_leavesNoMarkupCharacter(@ForAll("hostile") String s) {
    String e = Html.escape(s);
    for (char c : new char[] {'<', '>', '"', '\''}) {
      assertFalse(e.indexOf(c) >= 0, "raw " + c);
    }
    assertFalse(e.indexOf(':') >= 0, "raw :");
    assertFalse(ENTITY.matcher(e).find());
  }
}
