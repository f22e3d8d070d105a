package dev.cleanroom.examples;

import dev.cleanroom.query.CellNoise;
import dev.cleanroom.query.LedgerStatus;
import dev.cleanroom.query.Result;
import dev.cleanroom.query.ResultRow;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A self-contained XHTML report: bar charts with 95% confidence-interval error bars as inline SVG,
 * a policy summary and the budget left per ledger. No scripts, no external assets, no network: the
 * file opens in any browser as it is.
 */
final class HtmlReport {
  static final String XHTML = "http://www.w3.org/1999/xhtml";
  static final String SVG = "http://www.w3.org/2000/svg";

  private static final int LABEL_WIDTH = 160;
  private static final int PLOT_WIDTH = 520;
  private static final int ROW_HEIGHT = 22;

  private HtmlReport() {}

  /**
   * One bar: a released group's noisy value and the 95% interval of the true value.
   *
   * @param label the group's label
   * @param value the released value
   * @param lower the interval's lower end
   * @param upper the interval's upper end
   */
  record Bar(String label, double value, double lower, double upper) {}

  /**
   * A chart: one bar per released group.
   *
   * @param title the chart's title
   * @param bars the bars, in the result's order
   */
  record Chart(String title, List<Bar> bars) {
    Chart {
      bars = List.copyOf(bars);
    }

    /**
     * One bar per row of {@code result}: labelled by {@code group}, sized by the noisy {@code
     * value}; an exact cell gets a zero-width interval.
     */
    static Chart of(String title, Result result, String group, String value) {
      List<Bar> bars = new ArrayList<>();
      for (ResultRow row : result.rows()) {
        double v = row.getDouble(value);
        CellNoise n = row.noise(value).orElse(new CellNoise("none", 0, v, v));
        bars.add(new Bar(row.getString(group), v, n.lower(), n.upper()));
      }
      return new Chart(title, bars);
    }
  }

  /**
   * The report as XHTML text.
   *
   * @param title the page title
   * @param charts the charts, in order
   * @param policies a one-line summary of each dataset's policy, by dataset
   * @param ledgers the budget left per ledger
   */
  static String render(
      String title,
      List<Chart> charts,
      Map<String, String> policies,
      Collection<LedgerStatus> ledgers) {
    StringBuilder sb = new StringBuilder();
    sb.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    sb.append("<html xmlns=\"").append(XHTML).append("\" lang=\"en\">\n<head>\n");
    sb.append("<meta charset=\"UTF-8\"/>\n<title>").append(escape(title)).append("</title>\n");
    sb.append("<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;color:#222}")
        .append("table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .6em;")
        .append("text-align:left}.bar{fill:#4a78c2}.ci{stroke:#222;stroke-width:1.5}")
        .append("text{font-size:12px}</style>\n</head>\n<body>\n");
    sb.append("<h1>").append(escape(title)).append("</h1>\n");
    sb.append("<p>Every bar is a released, differentially private value; the whiskers show the 95%")
        .append(" confidence interval of the true value. Groups that were not released do not")
        .append(" appear.</p>\n");
    for (Chart chart : charts) {
      chart(sb, chart);
    }
    sb.append("<h2>Policies</h2>\n<table>\n<tr><th>dataset</th><th>policy</th></tr>\n");
    for (Map.Entry<String, String> e : policies.entrySet()) {
      sb.append("<tr><td>").append(escape(e.getKey())).append("</td><td>");
      sb.append(escape(e.getValue())).append("</td></tr>\n");
    }
    sb.append("</table>\n<h2>Budget left per ledger</h2>\n<table>\n");
    sb.append("<tr><th>ledger</th><th>ε left</th><th>δ left</th></tr>\n");
    for (LedgerStatus l : ledgers) {
      sb.append("<tr><td>").append(escape(l.ledger())).append("</td><td>");
      sb.append(l.epsilonRemaining().toPlainString()).append("</td><td>");
      sb.append(l.deltaRemaining().toPlainString()).append("</td></tr>\n");
    }
    sb.append("</table>\n</body>\n</html>\n");
    return sb.toString();
  }

  private static void chart(StringBuilder sb, Chart chart) {
    double max = 1;
    for (Bar b : chart.bars()) {
      max = Math.max(max, Math.max(b.value(), b.upper()));
    }
    int height = ROW_HEIGHT * chart.bars().size() + 10;
    sb.append("<h2>").append(escape(chart.title())).append("</h2>\n");
    sb.append("<svg xmlns=\"").append(SVG).append("\" width=\"").append(LABEL_WIDTH + PLOT_WIDTH);
    sb.append("\" height=\"").append(height).append("\" role=\"img\">\n");
    int y = 5;
    for (Bar b : chart.bars()) {
      double width = x(b.value(), max);
      double lo = x(b.lower(), max);
      double hi = x(b.upper(), max);
      double mid = y + ROW_HEIGHT / 2.0 - 2;
      sb.append("<text x=\"0\" y=\"").append(fmt(mid + 4)).append("\">");
      sb.append(escape(b.label())).append("</text>\n");
      sb.append("<rect class=\"bar\" x=\"").append(LABEL_WIDTH).append("\" y=\"").append(y);
      sb.append("\" width=\"").append(fmt(width)).append("\" height=\"").append(ROW_HEIGHT - 6);
      sb.append("\"><title>").append(escape(b.label())).append(": ").append(fmt(b.value()));
      sb.append(" (95% CI ").append(fmt(b.lower())).append(" to ").append(fmt(b.upper()));
      sb.append(")</title></rect>\n");
      sb.append("<path class=\"ci\" d=\"M").append(fmt(LABEL_WIDTH + lo)).append(' ');
      sb.append(fmt(mid)).append("H").append(fmt(LABEL_WIDTH + hi)).append("M");
      sb.append(fmt(LABEL_WIDTH + lo)).append(' ').append(fmt(mid - 4)).append("v8M");
      sb.append(fmt(LABEL_WIDTH + hi)).append(' ').append(fmt(mid - 4)).append("v8\"/>\n");
      y += ROW_HEIGHT;
    }
    sb.append("</svg>\n");
  }

  /** A value's x position in the plot area; negative values sit at the axis. */
  private static double x(double value, double max) {
    return Math.max(0, value) / max * (PLOT_WIDTH - 10);
  }

  private static String fmt(double v) {
    return Double.isFinite(v) ? String.format(Locale.ROOT, "%.1f", v) : "0";
  }

  /**
   * Text for XML content or attributes: markup characters as entities; characters XML 1.0 cannot
   * carry (control characters, unpaired surrogates, U+FFFE/U+FFFF) replaced by U+FFFD.
   */
  static String escape(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean pairedHigh =
          Character.isHighSurrogate(c)
              && i + 1 < s.length()
              && Character.isLowSurrogate(s.charAt(i + 1));
      switch (c) {
        case '&' -> sb.append("&amp;");
        case '<' -> sb.append("&lt;");
        case '>' -> sb.append("&gt;");
        case '"' -> sb.append("&quot;");
        case '\'' -> sb.append("&#39;");
        default -> {
          if (pairedHigh) {
            sb.append(c).append(s.charAt(++i));
          } else if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r')
              || Character.isSurrogate(c)
              || c == '\uFFFE'
              || c == '\uFFFF') {
            sb.append('\uFFFD');
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.toString();
  }
}
