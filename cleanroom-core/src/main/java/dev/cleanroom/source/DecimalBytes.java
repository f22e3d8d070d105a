package dev.cleanroom.source;

import java.nio.charset.Charset;

/**
 * The one reading of a CSV decimal number from bytes, shared by the columnar loader ({@link
 * CsvColumnarReader}) and the streaming scan's ranges ({@link CsvRanges}), so that a file means the
 * same numbers whichever path reads it, as {@link CsvScan} reads them from characters: {@link
 * Double#parseDouble} of the trimmed text, refusing Java's type suffixes ({@code 1d}, {@code 2f})
 * and hexadecimal notation ({@code 0x1p3}, {@code 0X1P3}).
 */
final class DecimalBytes {
  private static final double[] POWERS = {
    1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15
  };

  private DecimalBytes() {}

  /**
   * The number in {@code b[from, to)} (trimmed, not empty).
   *
   * @return the value; NaN only for the text {@code NaN}
   * @throws NumberFormatException if it is not a decimal number, with no value in its message
   */
  static double parse(byte[] b, int from, int to, Charset charset) {
    // Fast path: up to 15 significant digits with at most 15 after the point; both the digits and
    // the power of ten are exact doubles, so one division rounds as Double.parseDouble does.
    int i = from;
    boolean negative = false;
    if (b[i] == '-' || b[i] == '+') {
      negative = b[i] == '-';
      i++;
    }
    long digits = 0;
    int count = 0;
    int scale = -1;
    boolean simple = i < to;
    for (; i < to && simple; i++) {
      byte x = b[i];
      if (x >= '0' && x <= '9') {
        digits = digits * 10 + (x - '0');
        count++;
        if (scale >= 0) {
          scale++;
        }
      } else if (x == '.' && scale < 0) {
        scale = 0;
      } else {
        simple = false;
      }
    }
    if (simple && count > 0 && count <= 15 && scale != 0) {
      double v = scale > 0 ? digits / POWERS[scale] : (double) digits;
      return negative ? -v : v;
    }
    byte last = b[to - 1];
    if (last == 'd' || last == 'D' || last == 'f' || last == 'F') {
      throw new NumberFormatException("a type suffix");
    }
    for (int k = from; k < to; k++) {
      if (b[k] == 'x' || b[k] == 'X') {
        throw new NumberFormatException("hexadecimal notation");
      }
    }
    try {
      return Double.parseDouble(new String(b, from, to - from, charset));
    } catch (NumberFormatException e) {
      // The exception's message holds the value: drop it.
      throw new NumberFormatException("not a decimal number");
    }
  }
}
