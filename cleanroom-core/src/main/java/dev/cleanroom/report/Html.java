package dev.cleanroom.report;

import java.util.Locale;

/** Escaping and number formatting shared by the report's parts. */
final class Html {
  private Html() {}

  /**
   * Text for HTML content or a quoted attribute: markup characters as entities, and the colon too,
   * so that no text reads as a URL scheme in the page's source; characters a page cannot carry
   * (control characters other than tab and line breaks, unpaired surrogates, U+FFFE/U+FFFF)
   * replaced by U+FFFD.
   */
  static String escape(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> sb.append("&amp;");
        case '<' -> sb.append("&lt;");
        case '>' -> sb.append("&gt;");
        case '"' -> sb.append("&quot;");
        case '\'' -> sb.append("&#39;");
        case ':' -> sb.append("&#58;");
        default -> {
          if (Character.isHighSurrogate(c)
              && i + 1 < s.length()
              && Character.isLowSurrogate(s.charAt(i + 1))) {
            sb.append(c).append(s.charAt(++i));
          } else if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r')
              || (c >= 0x7f && c < 0xa0)
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

  /**
   * A released value as the report shows it: whole numbers with thousands separators, other numbers
   * with two decimals below 1,000 and none above; text as it is.
   */
  static String value(Object v) {
    if (v instanceof Long || v instanceof Integer) {
      return String.format(Locale.ROOT, "%,d", ((Number) v).longValue());
    }
    if (v instanceof Number n) {
      return number(n.doubleValue());
    }
    return String.valueOf(v);
  }

  /**
   * A real number: two decimals from 1 to 1,000 in magnitude, none above, three significant digits
   * below 1 (rates and lifts: {@code 0.804}, {@code 0.0123}); "undefined" for NaN (a ratio over 0,
   * a lift off its compared group), "+∞" and "−∞" for the infinities.
   */
  static String number(double v) {
    if (Double.isNaN(v)) {
      return "undefined";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "+∞" : "−∞";
    }
    double a = Math.abs(v);
    String s;
    if (a >= 1000) {
      s = String.format(Locale.ROOT, "%,.0f", v);
    } else if (a >= 1 || a == 0) {
      s = String.format(Locale.ROOT, "%,.2f", v);
    } else {
      int decimals = Math.min(12, Math.max(2, 2 - (int) Math.floor(Math.log10(a))));
      s = String.format(Locale.ROOT, "%." + decimals + "f", v);
    }
    return s.matches("-0[.,]?0*") ? s.substring(1) : s;
  }

  /**
   * A 95% interval in the units of a column: {@code [low, high]}, with an open end where it is
   * infinite ({@code [low, +∞)}, {@code (−∞, high]}).
   */
  static String interval(double lower, double upper, boolean whole) {
    String low = Double.isInfinite(lower) ? "(−∞" : "[" + number(lower, whole);
    String high = Double.isInfinite(upper) ? "+∞)" : number(upper, whole) + "]";
    return low + ", " + high;
  }

  /**
   * A real number in the units of a column: rounded to a whole number for whole-number columns
   * (counts), as {@link #number(double)} otherwise.
   */
  static String number(double v, boolean whole) {
    if (!whole || !Double.isFinite(v)) {
      return number(v);
    }
    String s = String.format(Locale.ROOT, "%,.0f", v);
    return s.equals("-0") ? "0" : s;
  }

  /** A coordinate with one decimal, independent of the locale. */
  static String coord(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }
}
