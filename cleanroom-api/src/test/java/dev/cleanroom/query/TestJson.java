package dev.cleanroom.query;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A strict RFC 8259 parser for tests: objects become maps (duplicate keys rejected), arrays lists,
 * numbers BigDecimal, null {@link Optional#empty()}; anything outside the grammar fails.
 */
final class TestJson {
  private final String s;
  private int i;

  private TestJson(String s) {
    this.s = s;
  }

  static Object parse(String text) {
    TestJson p = new TestJson(text);
    Object v = p.value();
    p.ws();
    if (p.i != text.length()) {
      throw p.fail("trailing text");
    }
    return v;
  }

  private IllegalArgumentException fail(String what) {
    return new IllegalArgumentException(what + " at " + i);
  }

  private void ws() {
    while (i < s.length() && " \t\r\n".indexOf(s.charAt(i)) >= 0) {
      i++;
    }
  }

  private void expect(char c) {
    if (i >= s.length() || s.charAt(i) != c) {
      throw fail("expected " + c);
    }
    i++;
  }

  private Object value() {
    ws();
    if (i >= s.length()) {
      throw fail("unexpected end");
    }
    char c = s.charAt(i);
    if (c == '{') {
      i++;
      Map<String, Object> m = new LinkedHashMap<>();
      ws();
      if (s.charAt(i) == '}') {
        i++;
        return m;
      }
      while (true) {
        ws();
        String key = string();
        ws();
        expect(':');
        if (m.put(key, value()) != null) {
          throw fail("duplicate key");
        }
        ws();
        if (s.charAt(i) == ',') {
          i++;
        } else {
          expect('}');
          return m;
        }
      }
    }
    if (c == '[') {
      i++;
      List<Object> l = new ArrayList<>();
      ws();
      if (s.charAt(i) == ']') {
        i++;
        return l;
      }
      while (true) {
        l.add(value());
        ws();
        if (s.charAt(i) == ',') {
          i++;
        } else {
          expect(']');
          return l;
        }
      }
    }
    if (c == '"') {
      return string();
    }
    for (String lit : List.of("true", "false", "null")) {
      if (s.startsWith(lit, i)) {
        i += lit.length();
        return lit.equals("null") ? Optional.empty() : Boolean.valueOf(lit);
      }
    }
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?")
            .matcher(s)
            .region(i, s.length());
    if (!m.lookingAt()) {
      throw fail("not a value");
    }
    i = m.end();
    return new BigDecimal(m.group());
  }

  private String string() {
    expect('"');
    StringBuilder sb = new StringBuilder();
    while (true) {
      if (i >= s.length()) {
        throw fail("unterminated string");
      }
      char c = s.charAt(i++);
      if (c == '"') {
        return sb.toString();
      }
      if (c < 0x20) {
        throw fail("raw control character in a string");
      }
      if (c != '\\') {
        sb.append(c);
        continue;
      }
      char e = s.charAt(i++);
      switch (e) {
        case '"', '\\', '/' -> sb.append(e);
        case 'b' -> sb.append('\b');
        case 'f' -> sb.append('\f');
        case 'n' -> sb.append('\n');
        case 'r' -> sb.append('\r');
        case 't' -> sb.append('\t');
        case 'u' -> {
          String hex = s.substring(i, i + 4);
          if (!hex.matches("[0-9a-fA-F]{4}")) {
            throw fail("bad unicode escape");
          }
          sb.append((char) Integer.parseInt(hex, 16));
          i += 4;
        }
        default -> throw fail("bad escape");
      }
    }
  }
}
