package dev.cleanroom.query;

import java.util.ArrayList;
import java.util.List;

/** A strict RFC 4180 reader for tests: CRLF records, quoted fields, doubled quotes. */
final class TestCsv {
  private TestCsv() {}

  /** The records of {@code text}, which must end with CRLF; fails on any malformed quoting. */
  static List<List<String>> parse(String text) {
    List<List<String>> records = new ArrayList<>();
    List<String> record = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    int i = 0;
    boolean fieldStart = true;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (fieldStart && c == '"') {
        i++;
        while (true) {
          if (i >= text.length()) {
            throw new IllegalArgumentException("unterminated quoted field");
          }
          char q = text.charAt(i);
          if (q == '"') {
            if (i + 1 < text.length() && text.charAt(i + 1) == '"') {
              field.append('"');
              i += 2;
            } else {
              i++;
              break;
            }
          } else {
            field.append(q);
            i++;
          }
        }
        fieldStart = false;
        if (i < text.length() && text.charAt(i) != ',' && text.charAt(i) != '\r') {
          throw new IllegalArgumentException("text after a closing quote at " + i);
        }
        continue;
      }
      if (c == ',') {
        record.add(field.toString());
        field.setLength(0);
        fieldStart = true;
        i++;
      } else if (c == '\r') {
        if (i + 1 >= text.length() || text.charAt(i + 1) != '\n') {
          throw new IllegalArgumentException("CR without LF at " + i);
        }
        record.add(field.toString());
        field.setLength(0);
        records.add(record);
        record = new ArrayList<>();
        fieldStart = true;
        i += 2;
      } else if (c == '"' || c == '\n') {
        throw new IllegalArgumentException("bare quote or LF in an unquoted field at " + i);
      } else {
        field.append(c);
        fieldStart = false;
        i++;
      }
    }
    if (!record.isEmpty() || field.length() > 0) {
      throw new IllegalArgumentException("last record without CRLF");
    }
    return records;
  }
}
