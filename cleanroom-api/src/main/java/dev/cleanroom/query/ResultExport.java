package dev.cleanroom.query;

import java.io.IOException;
import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;

/** CSV (RFC 4180) and JSON (RFC 8259) writers for {@link Result}; no dependencies. */
final class ResultExport {
  /** Suffixes of the noise columns that follow each aggregate column in CSV. */
  static final List<String> NOISE_SUFFIXES = List.of(".noise_scale", ".ci95_lower", ".ci95_upper");

  /** The names of the privacy columns at the end of every CSV row. */
  static final List<String> PRIVACY_COLUMNS = List.of("privacy.epsilon", "privacy.delta");

  private static final String CRLF = "\r\n";

  private ResultExport() {}

  /** A writer of one format. */
  interface Format {
    void write(Result result, Appendable out) throws IOException;
  }

  /** The whole text of {@code result} in {@code format}; a StringBuilder never fails to append. */
  static String toText(Result result, Format format) {
    StringBuilder sb = new StringBuilder();
    try {
      format.write(result, sb);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return sb.toString();
  }

  /** Whether the CSV carries noise columns: a DP result or one with any noisy cell. */
  static boolean hasNoiseColumns(Result result) {
    if (result.privacy().differentiallyPrivate()) {
      return true;
    }
    for (ResultRow row : result.rows()) {
      for (Optional<CellNoise> n : row.noise()) {
        if (n.isPresent()) {
          return true;
        }
      }
    }
    return false;
  }

  static void writeCsv(Result result, Appendable out) throws IOException {
    boolean noise = hasNoiseColumns(result);
    List<ResultColumn> columns = result.columns();
    String sep = "";
    for (ResultColumn c : columns) {
      out.append(sep).append(csvField(c.name()));
      sep = ",";
      if (noise && c.aggregate()) {
        for (String suffix : NOISE_SUFFIXES) {
          out.append(sep).append(csvField(c.name() + suffix));
        }
      }
    }
    for (String p : PRIVACY_COLUMNS) {
      out.append(sep).append(p);
      sep = ",";
    }
    out.append(CRLF);
    String epsilon = result.privacy().epsilon().toPlainString();
    String delta = result.privacy().delta().toPlainString();
    for (ResultRow row : result.rows()) {
      sep = "";
      for (int i = 0; i < columns.size(); i++) {
        Object v = row.get(i);
        out.append(sep).append(v instanceof String s ? csvField(s) : number(v));
        sep = ",";
        if (noise && columns.get(i).aggregate()) {
          Optional<CellNoise> n = row.noise().get(i);
          if (n.isPresent()) {
            out.append(',').append(Double.toString(n.get().scale()));
            out.append(',').append(Double.toString(n.get().lower()));
            out.append(',').append(Double.toString(n.get().upper()));
          } else {
            out.append(",,,");
          }
        }
      }
      out.append(sep).append(epsilon).append(',').append(delta).append(CRLF);
    }
  }

  /**
   * One CSV field: quoted when it holds a comma, quote, control character or surrounding space, or
   * is empty (so an empty text differs from a missing noise cell); quotes doubled inside.
   */
  static String csvField(String s) {
    boolean quote = s.isEmpty() || s.strip().length() != s.length();
    for (int i = 0; i < s.length() && !quote; i++) {
      char c = s.charAt(i);
      quote = c == ',' || c == '"' || Character.isISOControl(c);
    }
    return quote ? '"' + s.replace("\"", "\"\"") + '"' : s;
  }

  private static String number(Object v) {
    return v instanceof Double d ? Double.toString(d) : String.valueOf(v);
  }

  static void writeJson(Result result, Appendable out) throws IOException {
    out.append("{\"queryId\":").append(jsonString(result.queryId()));
    out.append(",\"columns\":[");
    String sep = "";
    for (ResultColumn c : result.columns()) {
      out.append(sep).append("{\"name\":").append(jsonString(c.name()));
      out.append(",\"type\":\"").append(c.type().name()).append('"');
      out.append(",\"aggregate\":").append(Boolean.toString(c.aggregate())).append('}');
      sep = ",";
    }
    out.append("],\n\"rows\":[");
    sep = "\n";
    for (ResultRow row : result.rows()) {
      out.append(sep).append("{\"values\":[");
      for (int i = 0; i < row.values().size(); i++) {
        Object v = row.get(i);
        out.append(i == 0 ? "" : ",").append(v instanceof String s ? jsonString(s) : jsonNumber(v));
      }
      out.append("],\"noise\":[");
      for (int i = 0; i < row.noise().size(); i++) {
        out.append(i == 0 ? "" : ",");
        Optional<CellNoise> n = row.noise().get(i);
        if (n.isEmpty()) {
          out.append("null");
        } else {
          CellNoise cn = n.get();
          out.append("{\"mechanism\":").append(jsonString(cn.mechanism()));
          out.append(",\"scale\":").append(jsonNumber(cn.scale()));
          out.append(",\"confidence\":").append(jsonNumber(CellNoise.CONFIDENCE));
          out.append(",\"lower\":").append(jsonNumber(cn.lower()));
          out.append(",\"upper\":").append(jsonNumber(cn.upper())).append('}');
        }
      }
      out.append("]}");
      sep = ",\n";
    }
    PrivacyReport p = result.privacy();
    out.append("],\n\"privacy\":{\"differentiallyPrivate\":")
        .append(Boolean.toString(p.differentiallyPrivate()));
    out.append(",\"epsilon\":").append(jsonNumber(p.epsilon()));
    out.append(",\"delta\":").append(jsonNumber(p.delta()));
    out.append(",\"split\":[");
    sep = "";
    for (String s : p.split()) {
      out.append(sep).append(jsonString(s));
      sep = ",";
    }
    out.append("],\"ledgers\":[");
    sep = "";
    for (LedgerStatus l : p.ledgers()) {
      out.append(sep).append("{\"ledger\":").append(jsonString(l.ledger()));
      out.append(",\"dataset\":").append(jsonString(l.dataset()));
      out.append(",\"epsilonCharged\":").append(jsonNumber(l.epsilonCharged()));
      out.append(",\"deltaCharged\":").append(jsonNumber(l.deltaCharged()));
      out.append(",\"epsilonRemaining\":").append(jsonNumber(l.epsilonRemaining()));
      out.append(",\"deltaRemaining\":").append(jsonNumber(l.deltaRemaining())).append('}');
      sep = ",";
    }
    out.append("],\"repeated\":").append(Boolean.toString(p.repeated())).append("}}\n");
  }

  /**
   * A JSON number; NaN and infinities, which JSON cannot express, become {@code null}. A date or
   * instant is a string in ISO-8601, a boolean {@code true} or {@code false}.
   */
  private static String jsonNumber(Object v) {
    if (v instanceof java.time.LocalDate || v instanceof java.time.Instant) {
      return jsonString(v.toString());
    }
    if (v instanceof BigDecimal b) {
      return b.toPlainString();
    }
    if (v instanceof Double d) {
      return Double.isFinite(d) ? Double.toString(d) : "null";
    }
    return String.valueOf(v);
  }

  /**
   * A JSON string literal: quotes, backslashes and control characters escaped, as are U+2028,
   * U+2029 and unpaired surrogates, so the output is valid JSON and safe to embed in a script.
   */
  static String jsonString(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        default -> {
          boolean pairedHigh =
              Character.isHighSurrogate(c)
                  && i + 1 < s.length()
                  && Character.isLowSurrogate(s.charAt(i + 1));
          boolean pairedLow =
              Character.isLowSurrogate(c) && i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
          if (Character.isISOControl(c)
              || c == '\u2028'
              || c == '\u2029'
              || (Character.isSurrogate(c) && !pairedHigh && !pairedLow)) {
            sb.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
  }

  /** A cell for the text table: control characters shown as escapes so a cell stays one line. */
  static String tableCell(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isISOControl(c)) {
        sb.append(
            switch (c) {
              case '\n' -> "\\n";
              case '\r' -> "\\r";
              case '\t' -> "\\t";
              default -> String.format(java.util.Locale.ROOT, "\\u%04x", (int) c);
            });
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }
}
