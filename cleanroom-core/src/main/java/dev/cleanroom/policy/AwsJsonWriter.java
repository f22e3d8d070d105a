package dev.cleanroom.policy;

import java.util.List;
import java.util.Map;

/**
 * Writes JSON (RFC 8259) from maps with string keys, lists, strings and integers, indented by two
 * spaces; every string is escaped, so the output is valid JSON whatever the names hold.
 */
final class AwsJsonWriter {
  private AwsJsonWriter() {}

  static String write(Object value) {
    StringBuilder out = new StringBuilder();
    write(out, value, 0);
    return out.append('\n').toString();
  }

  private static void write(StringBuilder out, Object value, int indent) {
    if (value instanceof String s) {
      string(out, s);
    } else if (value instanceof Integer || value instanceof Long) {
      out.append(value);
    } else if (value instanceof Map<?, ?> map) {
      if (map.isEmpty()) {
        out.append("{}");
        return;
      }
      out.append("{\n");
      int i = 0;
      for (Map.Entry<?, ?> e : map.entrySet()) {
        pad(out, indent + 1);
        string(out, (String) e.getKey());
        out.append(": ");
        write(out, e.getValue(), indent + 1);
        out.append(++i < map.size() ? ",\n" : "\n");
      }
      pad(out, indent);
      out.append('}');
    } else if (value instanceof List<?> list) {
      if (list.isEmpty()) {
        out.append("[]");
        return;
      }
      boolean flat = list.stream().allMatch(v -> v instanceof String || v instanceof Integer);
      out.append(flat ? "[" : "[\n");
      for (int i = 0; i < list.size(); i++) {
        if (!flat) {
          pad(out, indent + 1);
        }
        write(out, list.get(i), indent + 1);
        if (i + 1 < list.size()) {
          out.append(flat ? ", " : ",\n");
        } else if (!flat) {
          out.append('\n');
        }
      }
      if (!flat) {
        pad(out, indent);
      }
      out.append(']');
    } else {
      throw new IllegalArgumentException(
          "cannot write a " + (value == null ? "null" : value.getClass().getSimpleName()));
    }
  }

  private static void pad(StringBuilder out, int indent) {
    out.append("  ".repeat(indent));
  }

  /** Whether the char at {@code i} is a surrogate that is not half of a pair. */
  private static boolean loneSurrogate(String s, int i) {
    char c = s.charAt(i);
    if (Character.isHighSurrogate(c)) {
      return i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1));
    }
    if (Character.isLowSurrogate(c)) {
      return i == 0 || !Character.isHighSurrogate(s.charAt(i - 1));
    }
    return false;
  }

  /**
   * Writes {@code s} as a JSON string: quote, backslash, control characters, line and paragraph
   * separators, non-characters and unpaired surrogates escaped, so that strict JSON and YAML 1.2
   * readers read it back.
   */
  static void string(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> {
          if (c < 0x20
              || (c >= 0x7f && c <= 0x9f)
              || c == 0x2028
              || c == 0x2029
              || c >= 0xfffe
              || loneSurrogate(s, i)) {
            out.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}
