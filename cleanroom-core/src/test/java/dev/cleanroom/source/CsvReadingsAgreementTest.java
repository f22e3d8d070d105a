package dev.cleanroom.source;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cleanroom.Column;
import dev.cleanroom.Schema;
import dev.cleanroom.spi.ColumnBatch;
import dev.cleanroom.spi.Scan;
import dev.cleanroom.spi.ScanRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The same bytes read three ways, CsvSource in ranges, CsvSource a row at a time and
 * ColumnarSource.readCsv, give the same rows or the same error (line, column and reason): a lone CR
 * ends a line, text that is not UTF-8 fails even in a column outside the schema, headers are
 * trimmed of spaces and tabs only, a byte order mark is three bytes, and a malformed row has the
 * reason CsvSource gives. readCsv read these otherwise.
 */
class CsvReadingsAgreementTest {

  static String dump(dev.cleanroom.spi.DataSource src, Schema schema, int batch) {
    List<String> out = new ArrayList<>();
    try (Scan scan = src.scan(new ScanRequest(schema.names(), Set.of(), List.of(), batch))) {
      for (Optional<ColumnBatch> b = scan.next(); b.isPresent(); b = scan.next()) {
        ColumnBatch cb = b.get();
        for (int r = 0; r < cb.rowCount(); r++) {
          List<Object> row = new ArrayList<>();
          for (int c = 0; c < schema.columns().size(); c++) {
            switch (schema.columns().get(c).type()) {
              case STRING -> row.add(cb.strings(c)[r]);
              case DOUBLE -> row.add(cb.doubles(c)[r]);
              default -> row.add(cb.longs(c)[r]);
            }
          }
          out.add(row.toString());
        }
      }
      return out.toString();
    } catch (RuntimeException e) {
      return "ERROR " + e.getClass().getSimpleName() + ": " + e.getMessage();
    }
  }

  static List<String> all(byte[] bytes, Schema schema) throws Exception {
    Path f = Files.createTempFile("readings", ".csv");
    Files.write(f, bytes);
    try {
      String ranges = dump(CsvSource.of(f, schema), schema, 4096);
      String seq = dump(CsvSource.of(f, schema), schema, 1);
      String col;
      try {
        ColumnarSource cs = ColumnarSource.readCsv("readings.csv", f, schema);
        col = dump(cs, schema, 4096);
      } catch (RuntimeException e) {
        col = "ERROR " + e.getClass().getSimpleName() + ": " + e.getMessage();
      }
      return List.of("ranges=" + ranges, "seq=" + seq, "columnar=" + col);
    } finally {
      Files.delete(f);
    }
  }

  static void same(String text, Schema schema) throws Exception {
    same(text.getBytes(StandardCharsets.UTF_8), schema);
  }

  static void same(byte[] bytes, Schema schema) throws Exception {
    List<String> r = all(bytes, schema);
    String norm0 = r.get(0).substring(r.get(0).indexOf('=') + 1).replace("readings.csv", "F");
    for (String s : r) {
      String n = s.substring(s.indexOf('=') + 1).replaceAll("readings[0-9]*\\.csv", "F");
      assertEquals(
          norm0.replaceAll("readings[0-9]*\\.csv", "F"),
          n,
          "paths disagree:\n  " + String.join("\n  ", r));
    }
  }

  static final Schema US = Schema.of(Column.string("uid"), Column.string("country"));
  static final Schema UL = Schema.of(Column.string("uid"), Column.int64("n"));

  @Test
  void loneCarriageReturnLineEnds() throws Exception {
    same("uid,country\ra@x.com,DE\rb@x.com,FR\r", US);
  }

  @Test
  void loneCarriageReturnInsideABody() throws Exception {
    same("uid,country\na@x.com,DE\rb@x.com,FR\n", US);
  }

  @Test
  void emptyLongField() throws Exception {
    same("uid,n\na@x.com,\n", UL);
  }

  @Test
  void tooFewFields() throws Exception {
    same("uid,n\na@x.com\n", UL);
  }

  @Test
  void tooManyFields() throws Exception {
    same("uid,n\na@x.com,1,2\n", UL);
  }

  @Test
  void invalidUtf8InAnExtraColumn() throws Exception {
    byte[] head = "uid,n,other\na@x.com,1,".getBytes(StandardCharsets.UTF_8);
    byte[] all = Arrays.copyOf(head, head.length + 2);
    all[head.length] = (byte) 0xFF;
    all[head.length + 1] = '\n';
    same(all, UL);
  }

  @Test
  void invalidUtf8InTheHeader() throws Exception {
    byte[] all = "uid,n,xx\na@x.com,1,2\n".getBytes(StandardCharsets.UTF_8);
    all[7] = (byte) 0xFF;
    same(all, UL);
  }

  @Test
  void headerNameWithVerticalTab() throws Exception {
    same("uid\u000B,n\na@x.com,1\n", UL);
  }

  @Test
  void duplicateHeader() throws Exception {
    same("uid,n,n\na@x.com,1,2\n", UL);
  }

  @Test
  void missingHeader() throws Exception {
    same("uid,m\na@x.com,1\n", UL);
  }

  @Test
  void longEdgeCases() throws Exception {
    same(
        "uid,n\na,+5\nb,-0\nc, 7 \nd,9223372036854775807\ne,-9223372036854775808\nf,0000000000000000000000000001\n",
        UL);
  }

  @Test
  void longExponent() throws Exception {
    same("uid,n\na,1e3\n", UL);
  }

  @Test
  void longOverflow() throws Exception {
    same("uid,n\na,9223372036854775808\n", UL);
  }

  @Test
  void doubleEdgeCases() throws Exception {
    same(
        "uid,d\na,+5\nb,-0\nc,1e3\nd,NaN\ne,-Infinity\nf,.5\ng,5.\nh,0.1234567890123456789\ni,\u000B1\n",
        Schema.of(Column.string("uid"), Column.float64("d")));
  }

  @Test
  void booleans() throws Exception {
    same("uid,b\na,TRUE\nb,False\n", Schema.of(Column.string("uid"), Column.bool("b")));
  }

  @Test
  void booleanOne() throws Exception {
    same("uid,b\na,1\n", Schema.of(Column.string("uid"), Column.bool("b")));
  }

  @Test
  void timestamps() throws Exception {
    same(
        "uid,t\na,2024-03-31T01:30:00+02:00\nb,2024-02-29t13:45:00.123456z\nc,0001-01-01T00:00:00Z\nd,9999-12-31T23:59:59.999999Z\n",
        Schema.of(Column.string("uid"), Column.timestamp("t")));
  }

  @Test
  void timestampOffsetBeforeYearOne() throws Exception {
    same(
        "uid,t\na,0001-01-01T00:30:00+01:00\n",
        Schema.of(Column.string("uid"), Column.timestamp("t")));
  }

  @Test
  void bomAndCrlf() throws Exception {
    same("\uFEFFuid,n\r\na,1\r\nb,2\r\n", UL);
  }

  @Test
  void nonBomTwoBytePrefix() throws Exception {
    same("\uFEFEuid,n\na,1\n", UL);
  }
}
