package dev.cleanroom.source;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.DataSourceException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The record reader alone, including input delivered in awkward pieces. */
class CsvParserTest {
  /** An input stream that returns at most {@code chunk} bytes per read. */
  static final class ChunkedInputStream extends InputStream {
    private final byte[] bytes;
    private final int chunk;
    private int pos;
    boolean closed;

    ChunkedInputStream(byte[] bytes, int chunk) {
      this.bytes = bytes;
      this.chunk = chunk;
    }

    @Override
    public int read() {
      return pos < bytes.length ? bytes[pos++] & 0xFF : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (pos >= bytes.length) {
        return -1;
      }
      int n = Math.min(Math.min(len, chunk), bytes.length - pos);
      System.arraycopy(bytes, pos, b, off, n);
      pos += n;
      return n;
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  /** A parsed record: its line, fields and problem. */
  record Rec(long line, List<String> fields, CsvParser.Problem problem, int problemField) {
    static Rec ok(long line, String... fields) {
      return new Rec(line, List.of(fields), null, -1);
    }
  }

  static List<Rec> parse(byte[] bytes, int chunk, char delimiter) {
    List<Rec> records = new ArrayList<>();
    CsvParser parser =
        new CsvParser(new ChunkedInputStream(bytes, chunk), "t.csv", delimiter, 1 << 20);
    while (parser.next()) {
      records.add(
          new Rec(
              parser.recordLine(),
              List.of(parser.fields()),
              parser.problem(),
              parser.problemField()));
    }
    assertFalse(parser.next(), "the end stays the end");
    return records;
  }

  static List<Rec> parse(String text) {
    List<Rec> byBlock = parse(text.getBytes(UTF_8), Integer.MAX_VALUE, ',');
    List<Rec> byByte = parse(text.getBytes(UTF_8), 1, ',');
    assertEquals(byBlock, byByte, "the result must not depend on how the input is delivered");
    return byBlock;
  }

  @Test
  void simpleRecords() {
    assertEquals(
        List.of(Rec.ok(1, "a", "b"), Rec.ok(2, "1", ""), Rec.ok(3, "", "")), parse("a,b\n1,\n,\n"));
  }

  @Test
  void noRecordsInEmptyInput() {
    assertEquals(List.of(), parse(""));
    assertEquals(List.of(), parse("\uFEFF"));
  }

  @Test
  void finalLineBreak_isOptional_butAnEmptyLineIsARecord() {
    assertEquals(List.of(Rec.ok(1, "a")), parse("a"));
    assertEquals(List.of(Rec.ok(1, "a")), parse("a\n"));
    assertEquals(List.of(Rec.ok(1, "a"), Rec.ok(2, "")), parse("a\n\n"));
    assertEquals(List.of(Rec.ok(1, "a"), Rec.ok(2, "")), parse("a\r\n\r\n"));
    assertEquals(List.of(Rec.ok(1, "")), parse("\n"));
  }

  @Test
  void crlf_isOneLineBreak_crAndLfAloneToo() {
    assertEquals(
        List.of(Rec.ok(1, "a"), Rec.ok(2, "b"), Rec.ok(3, "c"), Rec.ok(4, "d")),
        parse("a\r\nb\rc\nd\r\n"));
    assertEquals(List.of(Rec.ok(1, "a"), Rec.ok(2, ""), Rec.ok(3, "b")), parse("a\n\rb"));
  }

  @Test
  void quotedFields() {
    assertEquals(
        List.of(
            Rec.ok(1, "a,b", "x\"y", ""),
            Rec.ok(2, "line\r\nbreak", "\"", "cr\ronly"),
            Rec.ok(5, "lf\n", "\"\"", "end")),
        parse(
            "\"a,b\",\"x\"\"y\",\"\"\n\"line\r\nbreak\",\"\"\"\",\"cr\ronly\"\n\"lf\n\",\"\"\"\"\"\",end"));
  }

  @Test
  void quotedField_atTheEnd_withoutLineBreak() {
    assertEquals(List.of(Rec.ok(1, "a", "b")), parse("a,\"b\""));
    assertEquals(List.of(Rec.ok(1, "a", "")), parse("a,\"\""));
  }

  @Test
  void multibyteCharacters_splitAcrossReads() {
    String text = "\u00e9\u4e2d,\uD83D\uDE00\n\"\u00ff\n\u20ac\",x\n";
    assertEquals(
        List.of(Rec.ok(1, "\u00e9\u4e2d", "\uD83D\uDE00"), Rec.ok(2, "\u00ff\n\u20ac", "x")),
        parse(text));
  }

  @Test
  void bom_isSkippedOnlyAtTheStart() {
    assertEquals(List.of(Rec.ok(1, "a", "\uFEFFb")), parse("\uFEFFa,\uFEFFb"));
    assertEquals(List.of(Rec.ok(1, "\uFEFFa")), parse("\uFEFF\uFEFFa"));
  }

  @Test
  void strayQuote_isNoted_andTheRecordIsReadToItsEnd() {
    assertEquals(
        List.of(
            new Rec(1, List.of("a\"b", "c"), CsvParser.Problem.STRAY_QUOTE, 0),
            Rec.ok(2, "d", "e")),
        parse("a\"b,c\nd,e\n"));
    assertEquals(
        List.of(new Rec(1, List.of("x", " \"y\""), CsvParser.Problem.STRAY_QUOTE, 1)),
        parse("x, \"y\""));
  }

  @Test
  void textAfterClosingQuote_isNoted_andTheRecordIsReadToItsEnd() {
    assertEquals(
        List.of(
            new Rec(1, List.of("ab", "c"), CsvParser.Problem.TEXT_AFTER_QUOTE, 0), Rec.ok(2, "d")),
        parse("\"a\"b,c\nd"));
  }

  @Test
  void firstProblemWins() {
    assertEquals(
        List.of(new Rec(1, List.of("ab", "c\"d"), CsvParser.Problem.TEXT_AFTER_QUOTE, 0)),
        parse("\"a\"b,c\"d"));
  }

  @Test
  void unterminatedQuote_runsToTheEnd_andStartsAtItsLine() {
    assertEquals(
        List.of(
            Rec.ok(1, "a"),
            new Rec(2, List.of("b", "c\nd,e\n"), CsvParser.Problem.UNTERMINATED_QUOTE, 1)),
        parse("a\nb,\"c\nd,e\n"));
  }

  @Test
  void otherDelimiter() {
    assertEquals(
        List.of(Rec.ok(1, "a,b", "c"), Rec.ok(2, "d;e", "")),
        parse("a,b;c\n\"d;e\";".getBytes(UTF_8), 3, ';'));
    assertEquals(List.of(Rec.ok(1, "a b", "c")), parse("a b\tc".getBytes(UTF_8), 1, '\t'));
  }

  @Test
  void longRecord_isRejected_withItsLine() {
    byte[] bytes = ("a\nb\n\"" + "x".repeat(100) + "\n").getBytes(UTF_8);
    CsvParser parser = new CsvParser(new ByteArrayInputStream(bytes), "t.csv", ',', 50);
    assertTrue(parser.next());
    assertTrue(parser.next());
    DataSourceException e = assertThrows(DataSourceException.class, parser::next);
    assertEquals(3, e.line().orElseThrow());
    assertEquals("t.csv", e.source());
    assertTrue(e.getMessage().contains("longer than 50 characters"), e.getMessage());
    assertFalse(e.getMessage().contains("xxx"), e.getMessage());
  }

  @Test
  void recordOfExactlyTheLimit_isAccepted() {
    byte[] bytes = ("x".repeat(50) + "\n").getBytes(UTF_8);
    CsvParser parser = new CsvParser(new ByteArrayInputStream(bytes), "t.csv", ',', 50);
    assertTrue(parser.next());
    assertEquals("x".repeat(50), parser.field(0));
  }

  @Test
  void invalidUtf8_isReportedAtItsLine_whateverTheReadSize() {
    byte[] bytes = {'a', '\n', 'b', '\n', '"', 'c', '\n', (byte) 0x80, '"', '\n'};
    for (int chunk : new int[] {1, 2, 3, 100}) {
      CsvParser parser = new CsvParser(new ChunkedInputStream(bytes, chunk), "t.csv", ',', 1 << 20);
      assertTrue(parser.next());
      assertTrue(parser.next());
      DataSourceException e = assertThrows(DataSourceException.class, parser::next);
      assertEquals(4, e.line().orElseThrow(), "chunk " + chunk);
      assertTrue(e.getMessage().contains("not valid UTF-8"), e.getMessage());
    }
  }

  @Test
  void invalidUtf8_rightAfterCr_isOnTheNextLine() {
    byte[] bytes = {'a', '\r', (byte) 0xFE, '\n'};
    for (int chunk : new int[] {1, 2, 100}) {
      CsvParser parser = new CsvParser(new ChunkedInputStream(bytes, chunk), "t.csv", ',', 1 << 20);
      DataSourceException e = assertThrows(DataSourceException.class, parser::next);
      assertEquals(2, e.line().orElseThrow(), "chunk " + chunk);
    }
  }

  @Test
  void encodedSurrogates_areInvalid() {
    byte[] bytes = {'a', ',', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '\n'};
    CsvParser parser = new CsvParser(new ByteArrayInputStream(bytes), "t.csv", ',', 1 << 20);
    assertThrows(DataSourceException.class, parser::next);
  }

  @Test
  void readFailure_isReportedWithoutItsMessage_butWithItsCause() {
    InputStream failing =
        new InputStream() {
          @Override
          public int read() throws IOException {
            throw new IOException("disk error");
          }

          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            throw new IOException("disk error");
          }
        };
    DataSourceException e =
        assertThrows(
            DataSourceException.class, () -> new CsvParser(failing, "t.csv", ',', 1 << 20));
    assertEquals("data source t.csv: cannot be read", e.getMessage());
    assertEquals("disk error", e.getCause().getMessage());
  }

  @Test
  void close_closesTheStream() throws IOException {
    ChunkedInputStream in = new ChunkedInputStream("a".getBytes(UTF_8), 10);
    CsvParser parser = new CsvParser(in, "t.csv", ',', 100);
    parser.close();
    assertTrue(in.closed);
  }

  @Test
  void fieldPositions_describeTheRecord() {
    byte[] bytes = "ab,\"c\"\"d\",\n".getBytes(UTF_8);
    CsvParser parser = new CsvParser(new ByteArrayInputStream(bytes), "t.csv", ',', 100);
    assertTrue(parser.next());
    assertEquals(3, parser.fieldCount());
    assertArrayEquals(new String[] {"ab", "c\"d", ""}, parser.fields());
    assertEquals("c\"d", parser.dataView().subSequence(parser.start(1), parser.end(1)).toString());
    assertNull(parser.problem());
    assertEquals(-1, parser.problemField());
  }
}
