package dev.cleanroom.source;

import dev.cleanroom.DataSourceException;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A streaming RFC 4180 record reader over UTF-8 bytes: one record at a time, held in a reusable
 * character buffer with the start and end of each field.
 *
 * <p>It decodes the bytes itself, a buffer at a time, so that it needs the characters after a
 * position only when the record reaches it: an invalid UTF-8 sequence is then reported with the
 * exact physical line that holds it. A UTF-8 byte order mark at the start is skipped.
 *
 * <p>Syntax problems of a record (a stray quote, an unterminated quote) do not stop the parser: it
 * notes the first one with its field and reads on leniently to the end of the record, so that a
 * caller may skip the record and continue. Invalid UTF-8 and a record longer than the limit are
 * fatal, since the parser cannot tell reliably where the record ends.
 *
 * <p>Lines count physical line breaks (CR, LF and CRLF each count one), also inside quoted fields.
 * Memory is bounded by the byte and character buffers plus the longest record.
 *
 * <p>Not thread-safe: one parser per scan.
 */
final class CsvParser implements Closeable {
  /** A record syntax problem; the messages say what is wrong, never what the data is. */
  enum Problem {
    STRAY_QUOTE("a quote inside an unquoted field"),
    TEXT_AFTER_QUOTE("unexpected text after a closing quote"),
    UNTERMINATED_QUOTE("unterminated quote at end of file");

    private final String description;

    Problem(String description) {
      this.description = description;
    }

    /** What is wrong, without data values. */
    String description() {
      return description;
    }
  }

  private static final int BYTE_BUFFER_SIZE = 1 << 16;
  private static final int CHAR_BUFFER_SIZE = 1 << 16;
  private static final char BOM = '\uFEFF';

  private static final int DELIMITER = 0;
  private static final int END_OF_LINE = 1;
  private static final int END_OF_FILE = 2;

  private final InputStream in;
  private final String fileName;
  private final char delimiter;
  private final int maxRecordChars;

  private final CharsetDecoder decoder =
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT);
  private final ByteBuffer bytes = ByteBuffer.allocate(BYTE_BUFFER_SIZE);
  private final char[] buf = new char[CHAR_BUFFER_SIZE];
  private final CharBuffer chars = CharBuffer.wrap(buf);
  private boolean endOfInput;
  private boolean flushed;
  private int pos;
  private int limit;

  /** The physical line of the next character, 1-based. */
  private long line = 1;

  private char[] data = new char[256];
  private CharBuffer dataView = CharBuffer.wrap(data);
  private int dataLength;
  private int[] starts = new int[16];
  private int[] ends = new int[16];
  private int fieldCount;
  private long recordLine;
  private Problem problem;
  private int problemField;

  /**
   * A parser of {@code in}, which it closes on {@link #close()}.
   *
   * @param in the UTF-8 bytes; read in large blocks, so it need not be buffered
   * @param fileName the name for error messages
   * @param delimiter the field delimiter; not a quote, CR or LF
   * @param maxRecordChars the longest record accepted, in characters
   * @throws DataSourceException if the start of the input cannot be read or is not UTF-8
   */
  CsvParser(InputStream in, String fileName, char delimiter, int maxRecordChars) {
    this(in, fileName, delimiter, maxRecordChars, 1);
    if (available() && buf[pos] == BOM) {
      pos++;
    }
  }

  /**
   * A parser of {@code in} from a record that starts on line {@code firstLine} of the file, which
   * it closes on {@link #close()}; a byte order mark is not skipped.
   *
   * @param in the UTF-8 bytes from the start of a record; read in large blocks
   * @param fileName the name for error messages
   * @param delimiter the field delimiter; not a quote, CR or LF
   * @param maxRecordChars the longest record accepted, in characters
   * @param firstLine the physical line, from 1, of the first record of {@code in}
   */
  CsvParser(InputStream in, String fileName, char delimiter, int maxRecordChars, long firstLine) {
    this.in = in;
    this.fileName = fileName;
    this.delimiter = delimiter;
    this.maxRecordChars = maxRecordChars;
    this.line = firstLine;
    bytes.flip(); // empty, ready to be read from
  }

  /**
   * Reads the next record.
   *
   * @return false at the end of the input (a final line break does not start a record)
   * @throws DataSourceException if the input cannot be read, is not UTF-8 or holds a record longer
   *     than the limit
   */
  boolean next() {
    fieldCount = 0;
    dataLength = 0;
    problem = null;
    problemField = -1;
    if (!available()) {
      return false;
    }
    recordLine = line;
    while (parseField() == DELIMITER) {
      // next field
    }
    return true;
  }

  /** The number of fields of the current record; at least 1. */
  int fieldCount() {
    return fieldCount;
  }

  /** The 1-based physical line where the current record starts. */
  long recordLine() {
    return recordLine;
  }

  /** The first syntax problem of the current record, or null. */
  Problem problem() {
    return problem;
  }

  /** The 0-based field of {@link #problem()}, or -1. */
  int problemField() {
    return problemField;
  }

  /** The characters of the current record; field {@code i} is {@code [start(i), end(i))}. */
  char[] data() {
    return data;
  }

  /** A read-only view of {@link #data()}, for parsing numbers without copying. */
  CharSequence dataView() {
    return dataView;
  }

  /** Where field {@code i} starts in {@link #data()}. */
  int start(int i) {
    return starts[i];
  }

  /** Where field {@code i} ends (exclusive) in {@link #data()}. */
  int end(int i) {
    return ends[i];
  }

  /** Field {@code i} as a string. */
  String field(int i) {
    return new String(data, starts[i], ends[i] - starts[i]);
  }

  /** The current record's fields as strings. */
  String[] fields() {
    String[] fields = new String[fieldCount];
    for (int i = 0; i < fieldCount; i++) {
      fields[i] = field(i);
    }
    return fields;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }

  /** Parses one field and the delimiter or line break after it. */
  private int parseField() {
    if (fieldCount == starts.length) {
      starts = Arrays.copyOf(starts, fieldCount * 2);
      ends = Arrays.copyOf(ends, fieldCount * 2);
    }
    int field = fieldCount++;
    starts[field] = dataLength;
    int terminator;
    if (available() && buf[pos] == '"') {
      pos++;
      terminator = parseQuoted(field);
    } else {
      terminator = parseUnquoted(field);
    }
    ends[field] = dataLength;
    return terminator;
  }

  private int parseUnquoted(int field) {
    while (true) {
      if (!available()) {
        return END_OF_FILE;
      }
      char[] b = buf;
      int lim = limit;
      int i = pos;
      char c = 0;
      while (i < lim) {
        c = b[i];
        if (c == delimiter || c == '\n' || c == '\r' || c == '"') {
          break;
        }
        i++;
      }
      append(b, pos, i - pos);
      pos = i;
      if (i == lim) {
        continue;
      }
      pos++;
      if (c == delimiter) {
        return DELIMITER;
      }
      if (c == '"') {
        note(Problem.STRAY_QUOTE, field);
        append(c);
        continue;
      }
      endOfLine(c);
      return END_OF_LINE;
    }
  }

  private int parseQuoted(int field) {
    while (true) {
      if (!available()) {
        note(Problem.UNTERMINATED_QUOTE, field);
        return END_OF_FILE;
      }
      char[] b = buf;
      int lim = limit;
      int i = pos;
      char c = 0;
      while (i < lim) {
        c = b[i];
        if (c == '"' || c == '\n' || c == '\r') {
          break;
        }
        i++;
      }
      append(b, pos, i - pos);
      pos = i;
      if (i == lim) {
        continue;
      }
      pos++;
      if (c == '"') {
        if (!available()) {
          return END_OF_FILE;
        }
        char after = buf[pos];
        if (after == '"') { // an escaped quote
          pos++;
          append('"');
          continue;
        }
        pos++;
        if (after == delimiter) {
          return DELIMITER;
        }
        if (after == '\n' || after == '\r') {
          endOfLine(after);
          return END_OF_LINE;
        }
        // Text after the closing quote: note it and read on as an unquoted field.
        note(Problem.TEXT_AFTER_QUOTE, field);
        pos--;
        return parseUnquoted(field);
      }
      // A line break inside quotes is part of the value; it still counts as a physical line.
      append(c);
      line++;
      if (c == '\r' && available() && buf[pos] == '\n') {
        pos++;
        append('\n');
      }
    }
  }

  /** Consumes the rest of a line break whose first character {@code c} was just consumed. */
  private void endOfLine(char c) {
    line++;
    if (c == '\r' && available() && buf[pos] == '\n') {
      pos++;
    }
  }

  private void note(Problem p, int field) {
    if (problem == null) {
      problem = p;
      problemField = field;
    }
  }

  private void append(char c) {
    ensureCapacity(1);
    data[dataLength++] = c;
  }

  private void append(char[] src, int from, int length) {
    if (length > 0) {
      ensureCapacity(length);
      System.arraycopy(src, from, data, dataLength, length);
      dataLength += length;
    }
  }

  private void ensureCapacity(int more) {
    int needed = dataLength + more;
    if (needed > maxRecordChars) {
      throw new DataSourceException(
          fileName,
          recordLine,
          "",
          "the record starting on this line is longer than "
              + maxRecordChars
              + " characters (an unterminated quote?)",
          null);
    }
    if (needed > data.length) {
      int capacity = (int) Math.min(maxRecordChars, Math.max(needed, 2L * data.length));
      data = Arrays.copyOf(data, capacity);
      dataView = CharBuffer.wrap(data);
    }
  }

  /** Whether a character is at {@code pos}, decoding more input if needed. */
  private boolean available() {
    return pos < limit || fill();
  }

  /** Decodes the next block of characters into {@code buf}; false at the end of the input. */
  private boolean fill() {
    pos = 0;
    limit = 0;
    while (true) {
      chars.clear();
      CoderResult result;
      if (flushed) {
        return false;
      }
      result = decoder.decode(bytes, chars, endOfInput);
      if (result.isUnderflow() && endOfInput) {
        result = decoder.flush(chars);
        flushed = result.isUnderflow();
      }
      if (chars.position() > 0) {
        // Deliver what was decoded; an error right after it is met again on the next fill, when
        // the parser has reached it and knows its line.
        limit = chars.position();
        return true;
      }
      if (result.isError()) {
        throw new DataSourceException(fileName, line, "", "not valid UTF-8", null);
      }
      if (result.isUnderflow() && !endOfInput) {
        readBytes();
      }
    }
  }

  private void readBytes() {
    bytes.compact();
    try {
      int n = in.read(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining());
      if (n < 0) {
        endOfInput = true;
      } else {
        bytes.position(bytes.position() + n);
      }
    } catch (IOException e) {
      throw CsvSource.cannotRead(fileName, e);
    } finally {
      bytes.flip();
    }
  }
}
