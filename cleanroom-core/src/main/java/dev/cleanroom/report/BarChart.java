package dev.cleanroom.report;

import java.util.List;
import java.util.Locale;

/**
 * One horizontal bar chart as inline SVG: a bar per group from zero to the released value, the
 * value's number after every bar, the confidence interval as whiskers, a value axis with ticks and
 * its title, the groups' axis with its title. Sizes are estimated from the text lengths, so no
 * script is needed to lay it out.
 */
final class BarChart {
  /** The chart's width in CSS pixels. */
  static final int WIDTH = 760;

  private static final int ROW = 26;
  private static final int BAR = 16;
  private static final int TOP = 26;
  private static final int BOTTOM = 46;
  private static final int MAX_LABEL = 28;

  /** A generous width of one character of the chart's 12-pixel font. */
  private static final double CHAR = 7.8;

  private BarChart() {}

  /**
   * One row of the chart.
   *
   * @param label the group's label
   * @param text the released value as the report writes it
   * @param value the released value, or NaN if it is not a number
   * @param lower the interval's lower end (may be −∞), or the value if the cell is exact
   * @param upper the interval's upper end (may be +∞), or the value if the cell is exact
   * @param intervalText the interval as the report writes it
   * @param suppressed whether the group was not released (then the value is ignored)
   */
  record Bar(
      String label,
      String text,
      double value,
      double lower,
      double upper,
      String intervalText,
      boolean suppressed) {}

  static void render(
      StringBuilder sb, String groupAxis, String valueAxis, String caption, List<Bar> bars) {
    double labelWidth = textWidth(groupAxis);
    double valueWidth = textWidth("suppressed");
    double lo = 0;
    double hi = 0;
    for (Bar b : bars) {
      labelWidth = Math.max(labelWidth, textWidth(shortLabel(b.label())));
      if (!b.suppressed()) {
        valueWidth = Math.max(valueWidth, textWidth(b.text()));
        for (double v : new double[] {b.value(), b.lower(), b.upper()}) {
          if (Double.isFinite(v)) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
          }
        }
      }
    }
    double left = Math.min(labelWidth, 240) + 14;
    double plot = WIDTH - left - valueWidth - 16;
    Axis axis = Axis.of(lo, hi, plot);
    int height = TOP + ROW * Math.max(1, bars.size()) + BOTTOM;
    double bottom = TOP + ROW * Math.max(1, bars.size());

    sb.append("<figure>\n<svg class=\"chart\" width=\"").append(WIDTH);
    sb.append("\" height=\"").append(height).append("\" viewBox=\"0 0 ").append(WIDTH);
    sb.append(' ').append(height).append("\" role=\"img\" aria-label=\"");
    sb.append(Html.escape(caption)).append("\">\n");
    // The groups' axis title, above the group labels.
    sb.append("<text class=\"axis-title\" x=\"").append(Html.coord(left - 8));
    sb.append("\" y=\"14\" text-anchor=\"end\">")
        .append(Html.escape(groupAxis))
        .append("</text>\n");
    // Grid lines and ticks of the value axis.
    for (double t : axis.ticks()) {
      String x = Html.coord(left + axis.x(t));
      sb.append("<line class=\"grid\" x1=\"").append(x).append("\" x2=\"").append(x);
      sb.append("\" y1=\"").append(TOP - 4).append("\" y2=\"").append(Html.coord(bottom));
      sb.append("\"/>\n<line class=\"tick\" x1=\"").append(x).append("\" x2=\"").append(x);
      sb.append("\" y1=\"").append(Html.coord(bottom)).append("\" y2=\"");
      sb.append(Html.coord(bottom + 5)).append("\"/>\n");
      sb.append("<text class=\"tick-label\" x=\"").append(x).append("\" y=\"");
      sb.append(Html.coord(bottom + 18)).append("\" text-anchor=\"middle\">");
      sb.append(Html.escape(axis.label(t))).append("</text>\n");
    }
    double zero = left + axis.x(0);
    int y = TOP;
    for (Bar b : bars) {
      double mid = y + ROW / 2.0;
      String label = shortLabel(b.label());
      sb.append("<text class=\"group-label\" x=\"").append(Html.coord(left - 8));
      sb.append("\" y=\"").append(Html.coord(mid + 4)).append("\" text-anchor=\"end\">");
      if (!label.equals(b.label())) {
        sb.append("<title>").append(Html.escape(b.label())).append("</title>");
      }
      sb.append(Html.escape(label)).append("</text>\n");
      if (b.suppressed()) {
        sb.append("<text class=\"value suppressed\" x=\"").append(Html.coord(zero + 6));
        sb.append("\" y=\"").append(Html.coord(mid + 4)).append("\">suppressed</text>\n");
      } else if (!Double.isFinite(b.value())) {
        sb.append("<text class=\"value\" x=\"").append(Html.coord(zero + 6));
        sb.append("\" y=\"").append(Html.coord(mid + 4)).append("\">");
        sb.append(Html.escape(b.text())).append("</text>\n");
      } else {
        double xv = left + axis.x(b.value());
        sb.append("<rect class=\"bar\" x=\"").append(Html.coord(Math.min(zero, xv)));
        sb.append("\" y=\"").append(Html.coord(mid - BAR / 2.0)).append("\" width=\"");
        sb.append(Html.coord(Math.abs(xv - zero))).append("\" height=\"").append(BAR);
        sb.append("\" data-value=\"").append(String.format(Locale.ROOT, "%s", b.value()));
        sb.append("\"><title>").append(Html.escape(b.label())).append(": ");
        sb.append(Html.escape(b.text()));
        double end = Math.max(zero, xv);
        if (b.lower() < b.upper()) {
          // An open end (an infinite bound) runs to the plot's edge and ends in an arrowhead.
          boolean openLow = Double.isInfinite(b.lower());
          boolean openHigh = Double.isInfinite(b.upper());
          double xl = openLow ? left : left + axis.x(b.lower());
          double xu = openHigh ? left + plot : left + axis.x(b.upper());
          sb.append(", 95% interval ").append(Html.escape(b.intervalText()));
          sb.append("</title></rect>\n<path class=\"ci\" d=\"M").append(Html.coord(xl));
          sb.append(' ').append(Html.coord(mid)).append("H").append(Html.coord(xu));
          whiskerEnd(sb, xl, mid, openLow ? 1 : 0);
          whiskerEnd(sb, xu, mid, openHigh ? -1 : 0);
          sb.append("\"/>\n");
          end = Math.max(end, xu);
        } else {
          sb.append("</title></rect>\n");
        }
        sb.append("<text class=\"value\" x=\"").append(Html.coord(end + 5));
        sb.append("\" y=\"").append(Html.coord(mid + 4)).append("\">");
        sb.append(Html.escape(b.text())).append("</text>\n");
      }
      y += ROW;
    }
    // The axes: the value axis along the bottom, the zero line across the groups.
    sb.append("<line class=\"axis\" x1=\"").append(Html.coord(left)).append("\" x2=\"");
    sb.append(Html.coord(left + plot)).append("\" y1=\"").append(Html.coord(bottom));
    sb.append("\" y2=\"").append(Html.coord(bottom)).append("\"/>\n");
    sb.append("<line class=\"axis\" x1=\"").append(Html.coord(zero)).append("\" x2=\"");
    sb.append(Html.coord(zero)).append("\" y1=\"").append(TOP - 4).append("\" y2=\"");
    sb.append(Html.coord(bottom)).append("\"/>\n");
    sb.append("<text class=\"axis-title\" x=\"").append(Html.coord(left + plot / 2));
    sb.append("\" y=\"").append(Html.coord(bottom + 38)).append("\" text-anchor=\"middle\">");
    sb.append(Html.escape(valueAxis)).append("</text>\n</svg>\n");
    sb.append("<figcaption>").append(Html.escape(caption)).append("</figcaption>\n</figure>\n");
  }

  /**
   * The end of a whisker at {@code x}: a vertical cap, or for an open end ({@code direction} -1 at
   * the right edge, 1 at the left) an arrowhead pointing outwards.
   */
  private static void whiskerEnd(StringBuilder sb, double x, double mid, int direction) {
    if (direction == 0) {
      sb.append("M").append(Html.coord(x)).append(' ').append(Html.coord(mid - 5)).append("v10");
      return;
    }
    sb.append("M").append(Html.coord(x + 6 * direction)).append(' ');
    sb.append(Html.coord(mid - 4)).append("L").append(Html.coord(x)).append(' ');
    sb.append(Html.coord(mid)).append("L").append(Html.coord(x + 6 * direction)).append(' ');
    sb.append(Html.coord(mid + 4));
  }

  /** The label as drawn: at most {@value #MAX_LABEL} code points, then an ellipsis. */
  static String shortLabel(String label) {
    if (label.codePointCount(0, label.length()) <= MAX_LABEL) {
      return label;
    }
    return label.substring(0, label.offsetByCodePoints(0, MAX_LABEL - 1)) + "…";
  }

  /** A generous estimate of the drawn width of {@code s}: wide characters count double. */
  static double textWidth(String s) {
    double w = 0;
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      w += cp < 0x2E80 ? CHAR : 2 * CHAR;
      i += Character.charCount(cp);
    }
    return w;
  }

  /**
   * The value axis: a domain from a multiple of the tick step at or below the smallest value (and
   * zero) to one at or above the largest, with ticks whose labels do not overlap.
   *
   * @param min the domain's lower end
   * @param step the distance between ticks
   * @param count the number of steps
   * @param width the plot's width in pixels
   */
  record Axis(double min, double step, int count, double width) {
    static Axis of(double lo, double hi, double width) {
      if (!(hi > lo)) {
        hi = lo + 1;
      }
      for (int target = 6; ; target--) {
        double step = nice((hi - lo) / Math.max(1, target));
        double min = Math.floor(lo / step) * step;
        int count = (int) Math.ceil((hi - min) / step - 1e-9);
        Axis axis = new Axis(min, step, Math.max(1, count), width);
        double widest = 0;
        for (double t : axis.ticks()) {
          widest = Math.max(widest, textWidth(axis.label(t)));
        }
        if (widest + 12 <= width / axis.count() || target == 1) {
          return axis;
        }
      }
    }

    /** 1, 2 or 5 times a power of ten, at least {@code raw}. */
    private static double nice(double raw) {
      double p = Math.pow(10, Math.floor(Math.log10(raw)));
      for (double m : new double[] {1, 2, 5, 10}) {
        if (m * p >= raw * (1 - 1e-9)) {
          return m * p;
        }
      }
      return 10 * p;
    }

    double[] ticks() {
      double[] t = new double[count + 1];
      for (int i = 0; i <= count; i++) {
        t[i] = min + i * step;
      }
      return t;
    }

    /** The x position of {@code v} in the plot. */
    double x(double v) {
      return (v - min) / (step * count) * width;
    }

    String label(double t) {
      int decimals = step >= 1 ? 0 : (int) Math.ceil(-Math.log10(step) - 1e-9);
      String s = String.format(Locale.ROOT, "%,." + decimals + "f", Math.abs(t) < step / 2 ? 0 : t);
      return s;
    }
  }
}
