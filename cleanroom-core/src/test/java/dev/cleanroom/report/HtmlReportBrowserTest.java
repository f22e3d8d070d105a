package dev.cleanroom.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Renders the report in headless Chromium and checks what the page shows once laid out: the visible
 * text, the bars' geometry and a screenshot's pixels. Skipped with a message where Chromium is not
 * installed, except under {@code CI=true}, where its absence fails the test.
 */
class HtmlReportBrowserTest {
  /** The bars' fill colour, #2f6db5. */
  private static final int BAR_RGB = 0x2f6db5;

  private static Chromium browser;
  private static Path page;

  @BeforeAll
  static void open() throws Exception {
    Optional<Path> exe = Chromium.find();
    if (exe.isEmpty()) {
      String message =
          "Chromium is not installed (Debian package chromium); the report's browser test needs it";
      if ("true".equals(System.getenv("CI"))) {
        fail(message);
      }
      Assumptions.abort(message);
    }
    Path dir = Path.of("target", "report-browser-test");
    Files.createDirectories(dir);
    page = dir.resolve("report.html").toAbsolutePath();
    ReportFixtures.report().writeTo(page);
    browser = Chromium.start(exe.get());
    browser.open(page);
  }

  @AfterAll
  static void close() {
    if (browser != null) {
      browser.close();
    }
  }

  private static String visibleText() throws Exception {
    return (String) browser.evaluate("document.body.innerText");
  }

  @Test
  void visibleText_showsEveryReleasedNumberAndInterval_andNoSuppressedValue() throws Exception {
    String text = visibleText();
    for (int i = 0; i < ReportFixtures.CAMPAIGNS.length; i++) {
      assertTrue(text.contains(Html.value(ReportFixtures.CONVERTERS[i])), text);
      assertTrue(text.contains(Html.number(ReportFixtures.REVENUE[i])), text);
      String interval =
          "["
              + Html.value(ReportFixtures.CONVERTERS[i] - 24)
              + ", "
              + Html.value(ReportFixtures.CONVERTERS[i] + 24)
              + "]";
      assertTrue(text.contains(interval), interval);
    }
    // The arms: sizes, rates and lifts with their intervals, open ones and undefined ones.
    for (String shown :
        List.of(
            "5,120",
            "[5,096, 5,144]",
            "0.804",
            "[0.797, 0.811]",
            "0.237",
            "[0.190, 0.290]",
            "-0.231",
            "[-1.00, +∞)",
            "[0.00, +∞)",
            "undefined",
            "Computed from the released values, with no noise of its own",
            "0 more like it")) {
      assertTrue(text.contains(shown), shown + " in " + text);
    }
    assertFalse(text.contains("NaN") || text.contains("Infinity"), text);
    assertTrue(text.contains("95% confidence interval of the true value"), text);
    assertTrue(text.contains("suppressed: not released"), text);
    assertTrue(text.contains("1 of the 5 expected groups was suppressed"), text);
    assertTrue(text.contains("Every released row counts at least 50 distinct people"), text);
    assertTrue(text.contains("publisher.impressions/advertiser/2026-12"), text);
    assertTrue(text.contains("Budget left"), text);
    assertFalse(text.contains("Policy["), text);
  }

  /** Per chart: the boxes of its bars, numbers, labels and ticks, as the browser laid them out. */
  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> charts() throws Exception {
    String script =
        """
        (() => {
          const box = e => { const b = e.getBoundingClientRect();
            return {x: b.left, y: b.top, w: b.width, h: b.height}; };
          const own = t => [...t.childNodes].filter(n => n.nodeType === 3).map(n => n.data).join('');
          const texts = (svg, cls) => [...svg.querySelectorAll('text.' + cls)]
            .map(t => Object.assign({text: own(t)}, box(t)));
          return JSON.stringify([...document.querySelectorAll('svg.chart')].map(svg => ({
            svg: box(svg),
            bars: [...svg.querySelectorAll('rect.bar')]
              .map(b => Object.assign({v: parseFloat(b.dataset.value)}, box(b))),
            cis: [...svg.querySelectorAll('path.ci')].map(box),
            values: texts(svg, 'value'),
            labels: texts(svg, 'group-label'),
            ticks: texts(svg, 'tick-label'),
            titles: texts(svg, 'axis-title'),
            viewport: document.documentElement.clientWidth
          })));
        })()""";
    return (List<Map<String, Object>>) MiniJson.parse((String) browser.evaluate(script));
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> list(Map<String, Object> chart, String key) {
    return (List<Map<String, Object>>) chart.get(key);
  }

  private static double d(Map<String, Object> box, String key) {
    return (Double) box.get(key);
  }

  @Test
  void bars_areProportionalToTheirValues_fromOneZeroLine() throws Exception {
    List<Map<String, Object>> charts = charts();
    assertEquals(9, charts.size());
    List<Integer> barCounts = new ArrayList<>();
    for (Map<String, Object> chart : charts) {
      List<Map<String, Object>> bars = list(chart, "bars");
      barCounts.add(bars.size());
      // The scale of the longest bar; every other bar is within a pixel of its value times it.
      double scale = 0;
      double longest = 0;
      for (Map<String, Object> b : bars) {
        if (Math.abs(d(b, "v")) > longest) {
          longest = Math.abs(d(b, "v"));
          scale = d(b, "w") / longest;
        }
      }
      assertTrue(scale > 0);
      double zero = Double.NaN;
      for (Map<String, Object> b : bars) {
        double v = d(b, "v");
        assertEquals(Math.abs(v) * scale, d(b, "w"), 1.0, "bar of " + v);
        double z = v >= 0 ? d(b, "x") : d(b, "x") + d(b, "w");
        if (!Double.isNaN(zero)) {
          assertEquals(zero, z, 0.5, "every bar starts at zero");
        }
        zero = z;
      }
    }
    assertEquals(List.of(4, 4, 3, 3, 3, 3, 3, 1, 1), barCounts);
  }

  /** The chart of the conversion rate, the seventh: the pilot arm's interval is open above. */
  @Test
  void openInterval_runsToThePlotsEdge_andANegativeLiftGoesLeft() throws Exception {
    List<Map<String, Object>> charts = charts();
    Map<String, Object> rate = charts.get(6);
    assertEquals("conv_rate", list(rate, "titles").get(1).get("text"));
    List<Map<String, Object>> ticks = list(rate, "ticks");
    Map<String, Object> last = ticks.get(ticks.size() - 1);
    double edge = d(last, "x") + d(last, "w") / 2;
    Map<String, Object> open = list(rate, "cis").get(2);
    assertEquals(edge, d(open, "x") + d(open, "w"), 1.5, "the open whisker reaches the edge");
    for (Map<String, Object> closed : list(rate, "cis").subList(0, 2)) {
      assertTrue(d(closed, "x") + d(closed, "w") < edge - 20, "closed whiskers end before it");
    }
    // The pilot's lift is negative: its bar ends at the zero tick and lies left of it.
    Map<String, Object> lift = charts.get(8);
    assertEquals("lift_pilot", list(lift, "titles").get(1).get("text"));
    Map<String, Object> bar = list(lift, "bars").get(0);
    assertTrue(d(bar, "v") < 0);
    double zero = Double.NaN;
    for (Map<String, Object> t : list(lift, "ticks")) {
      if ("0".equals(t.get("text")) || "0.0".equals(t.get("text"))) {
        zero = d(t, "x") + d(t, "w") / 2;
      }
    }
    assertEquals(zero, d(bar, "x") + d(bar, "w"), 1.0, "the bar ends at zero");
    // Rows without a lift say so where their bar would be.
    long undefined =
        list(lift, "values").stream().filter(t -> "undefined".equals(t.get("text"))).count();
    assertEquals(2, undefined);
  }

  private static boolean overlap(Map<String, Object> a, Map<String, Object> b) {
    double ix =
        Math.min(d(a, "x") + d(a, "w"), d(b, "x") + d(b, "w")) - Math.max(d(a, "x"), d(b, "x"));
    double iy =
        Math.min(d(a, "y") + d(a, "h"), d(b, "y") + d(b, "h")) - Math.max(d(a, "y"), d(b, "y"));
    return ix > 0.5 && iy > 0.5;
  }

  @Test
  void everyBarHasItsNumber_visible_andNoTextOverlaps() throws Exception {
    for (Map<String, Object> chart : charts()) {
      Map<String, Object> svg = (Map<String, Object>) chart.get("svg");
      double viewport = (Double) chart.get("viewport");
      List<Map<String, Object>> texts = new ArrayList<>();
      texts.addAll(list(chart, "values"));
      texts.addAll(list(chart, "labels"));
      texts.addAll(list(chart, "ticks"));
      texts.addAll(list(chart, "titles"));
      for (Map<String, Object> t : texts) {
        assertTrue(d(t, "w") > 0 && d(t, "h") > 0, "drawn: " + t);
        assertTrue(d(t, "x") >= d(svg, "x") - 0.5, "inside the chart: " + t);
        assertTrue(d(t, "x") + d(t, "w") <= d(svg, "x") + d(svg, "w") + 0.5, "inside: " + t);
        assertTrue(d(t, "x") + d(t, "w") <= viewport, "inside the window: " + t);
      }
      for (int i = 0; i < texts.size(); i++) {
        for (int j = i + 1; j < texts.size(); j++) {
          assertFalse(overlap(texts.get(i), texts.get(j)), texts.get(i) + " / " + texts.get(j));
        }
      }
      List<Map<String, Object>> shapes = new ArrayList<>(list(chart, "bars"));
      shapes.addAll(list(chart, "cis"));
      for (Map<String, Object> b : list(chart, "bars")) {
        double mid = d(b, "y") + d(b, "h") / 2;
        Map<String, Object> number = null;
        for (Map<String, Object> t : list(chart, "values")) {
          if (d(t, "y") <= mid && mid <= d(t, "y") + d(t, "h")) {
            number = t;
          }
        }
        assertTrue(number != null, "a number on the bar of " + b.get("v"));
        double shown = Double.parseDouble(((String) number.get("text")).replace(",", ""));
        assertEquals(d(b, "v"), shown, Math.abs(d(b, "v")) >= 1000 ? 0.5 : 0.005, "the number");
        for (Map<String, Object> s : shapes) {
          assertFalse(overlap(number, s), "the number " + number + " is not hidden by " + s);
        }
      }
      assertTrue(list(chart, "ticks").size() >= 3, "ticks: " + chart.get("ticks"));
      double previous = Double.NEGATIVE_INFINITY;
      for (Map<String, Object> t : list(chart, "ticks")) {
        assertTrue(d(t, "x") > previous, "ticks from left to right");
        previous = d(t, "x");
      }
      assertEquals(2, list(chart, "titles").size(), "both axes are labelled");
    }
  }

  @Test
  void screenshot_showsTheBarsInTheirColour() throws Exception {
    byte[] png = browser.screenshot();
    Files.write(page.resolveSibling("report.png"), png);
    BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
    assertTrue(image.getWidth() >= 760 && image.getHeight() > 600, "the whole page");
    long barPixels = 0;
    long inked = 0;
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        int rgb = image.getRGB(x, y) & 0xffffff;
        if (rgb == BAR_RGB) {
          barPixels++;
        }
        if (rgb != 0xffffff) {
          inked++;
        }
      }
    }
    assertTrue(inked > image.getWidth() * image.getHeight() / 50, "not blank: " + inked);
    double barArea = 0;
    for (Map<String, Object> chart : charts()) {
      for (Map<String, Object> b : list(chart, "bars")) {
        barArea += d(b, "w") * d(b, "h");
        int x = (int) (d(b, "x") + d(b, "w") / 2);
        int y = (int) (d(b, "y") + 3);
        if (d(b, "w") >= 4) {
          assertEquals(
              BAR_RGB, image.getRGB(x, y) & 0xffffff, "the bar of " + b.get("v") + " is drawn");
        }
      }
    }
    assertTrue(barPixels >= barArea * 0.5, barPixels + " bar pixels of " + barArea);
    // The open whisker of the pilot's rate is drawn in ink up to the plot's edge.
    Map<String, Object> open = list(charts().get(6), "cis").get(2);
    int y = (int) Math.round(d(open, "y") + d(open, "h") / 2);
    int inkedAlongIt = 0;
    for (int x = (int) (d(open, "x") + d(open, "w")) - 12;
        x < d(open, "x") + d(open, "w") - 1;
        x++) {
      int rgb = image.getRGB(x, y) & 0xffffff;
      if (((rgb >> 16) & 0xff) < 0x80 && ((rgb >> 8) & 0xff) < 0x80 && (rgb & 0xff) < 0x80) {
        inkedAlongIt++;
      }
    }
    assertTrue(inkedAlongIt >= 6, "dark pixels at the open end: " + inkedAlongIt);
  }
}
