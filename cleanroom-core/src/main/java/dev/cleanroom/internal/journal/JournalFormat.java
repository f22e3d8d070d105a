package dev.cleanroom.internal.journal;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;

import dev.cleanroom.spi.LedgerCharge;
import java.math.BigDecimal;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * The on-disk format of a budget journal, version 1. Pure encoding and decoding; no I/O. The record
 * framing (magic, length, checksum) is shared with the audit journal ({@link
 * dev.cleanroom.audit.AuditFormat}).
 *
 * <pre>
 * file    = header record*
 * header  = the 28 ASCII bytes "cleanroom budget journal v1\n"
 * record  = magic length payload crc
 * magic   = 1 byte 0xF9 (the format version; never a byte of well-formed UTF-8)
 * length  = 4 bytes, big-endian int: the payload's size, 1 ..= {@link #MAX_PAYLOAD}
 * payload = count entry{count} | binding
 * count   = 4 bytes, big-endian int, at least 1: the ledgers of one charge
 * entry   = string(ledger name, UTF-8) string(ε, ASCII) string(δ, ASCII)
 * binding = 4 zero bytes, string(key, UTF-8) string(value, UTF-8): one {@link
 *           dev.cleanroom.spi.BudgetStore#bind}
 * string  = 4 bytes big-endian int n, then n bytes
 * crc     = 4 bytes, big-endian: CRC32C of magic, length and payload
 * </pre>
 *
 * <p>Amounts are the {@link BigDecimal#toString()} form of the charged (not the total) amounts, so
 * they round-trip exactly through {@link BigDecimal#BigDecimal(String)}. One record holds every
 * ledger of one {@link dev.cleanroom.spi.BudgetStore#charge} call, which makes a multi-ledger
 * charge atomic on disk: a reader sees the whole record (its checksum matches) or none of it.
 */
public final class JournalFormat {
  /** The bytes every journal file starts with. */
  public static final byte[] HEADER = "cleanroom budget journal v1\n".getBytes(US_ASCII);

  /** The first byte of every record. */
  static final byte MAGIC = (byte) 0xF9;

  /** Bytes of a record that are not payload: magic, length and checksum. */
  static final int OVERHEAD = 1 + 4 + 4;

  /** The largest payload of one record (1 MiB); a larger charge is refused before anything. */
  static final int MAX_PAYLOAD = 1 << 20;

  /** The largest record. */
  static final int MAX_RECORD = MAX_PAYLOAD + OVERHEAD;

  /** Smallest possible encoded entry: three lengths and three non-empty strings. */
  private static final int MIN_ENTRY = 3 * 4 + 3;

  private JournalFormat() {}

  /** One ledger's part of a replayed record. */
  public record Entry(String ledger, BigDecimal epsilon, BigDecimal delta) {
    public Entry {
      Objects.requireNonNull(ledger, "ledger");
      Objects.requireNonNull(epsilon, "epsilon");
      Objects.requireNonNull(delta, "delta");
    }
  }

  /**
   * Encodes one charge as a complete record (magic, length, payload, checksum).
   *
   * @param charges validated: not empty, each ledger once
   * @return a buffer positioned at 0 whose remaining bytes are the record
   * @throws IllegalArgumentException if a ledger name is not well-formed Unicode (an unpaired
   *     surrogate would not survive UTF-8) or the record would exceed {@link #MAX_PAYLOAD}
   */
  public static ByteBuffer encode(List<LedgerCharge> charges) {
    List<byte[]> parts = new ArrayList<>(3 * charges.size());
    long payload = 4;
    for (int i = 0; i < charges.size(); i++) {
      LedgerCharge c = charges.get(i);
      byte[] name = utf8(c.ledger(), i);
      byte[] epsilon = c.epsilon().toString().getBytes(US_ASCII);
      byte[] delta = c.delta().toString().getBytes(US_ASCII);
      parts.add(name);
      parts.add(epsilon);
      parts.add(delta);
      payload += 12L + name.length + epsilon.length + delta.length;
    }
    if (payload > MAX_PAYLOAD) {
      throw new IllegalArgumentException(
          "charge is too large for one journal record: "
              + payload
              + " bytes; at most "
              + MAX_PAYLOAD
              + " bytes of ledger names and amounts");
    }
    ByteBuffer b = ByteBuffer.allocate((int) payload);
    b.putInt(charges.size());
    for (byte[] part : parts) {
      b.putInt(part.length).put(part);
    }
    return frame(b.array());
  }

  /**
   * Frames {@code payload} as one complete record: magic, length, payload and checksum.
   *
   * @param payload 1 ..= {@link #MAX_PAYLOAD} bytes
   * @return a buffer positioned at 0 whose remaining bytes are the record
   * @throws IllegalArgumentException if the payload is empty or larger than {@link #MAX_PAYLOAD}
   */
  public static ByteBuffer frame(byte[] payload) {
    return frame(payload, MAX_PAYLOAD);
  }

  /**
   * {@link #frame(byte[])}, for a journal whose records hold up to {@code maxPayload} bytes.
   *
   * @throws IllegalArgumentException if the payload is empty or larger than {@code maxPayload}
   */
  public static ByteBuffer frame(byte[] payload, int maxPayload) {
    if (payload.length < 1 || payload.length > maxPayload) {
      throw new IllegalArgumentException(
          "a journal record holds 1 to " + maxPayload + " bytes; provided: " + payload.length);
    }
    ByteBuffer b = ByteBuffer.allocate(OVERHEAD + payload.length);
    b.put(MAGIC).putInt(payload.length).put(payload);
    b.putInt(crc(b.array(), 0, b.position()));
    b.flip();
    return b;
  }

  /**
   * The CRC32C of {@code length} bytes of {@code bytes} from {@code offset}, as an int.
   *
   * @throws IndexOutOfBoundsException if the range is not inside {@code bytes}
   */
  static int crc(byte[] bytes, int offset, int length) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, offset, length);
    return (int) crc.getValue();
  }

  /**
   * Decodes a payload whose checksum has matched.
   *
   * @return the entries, at least one, each ledger once, amounts not negative
   * @throws IllegalArgumentException if the payload is not a well-formed version 1 payload; the
   *     message describes the defect, never the payload's contents
   */
  public static List<Entry> decode(byte[] payload) {
    ByteBuffer b = ByteBuffer.wrap(payload);
    try {
      int count = b.getInt();
      if (count < 1 || count > (payload.length - 4) / MIN_ENTRY) {
        throw new IllegalArgumentException("impossible ledger count " + count);
      }
      List<Entry> entries = new ArrayList<>(count);
      Set<String> names = new HashSet<>();
      for (int i = 0; i < count; i++) {
        String ledger = ledgerName(string(b));
        BigDecimal epsilon = amount(string(b));
        BigDecimal delta = amount(string(b));
        if (!names.add(ledger)) {
          throw new IllegalArgumentException("a ledger appears twice in one record");
        }
        entries.add(new Entry(ledger, epsilon, delta));
      }
      if (b.hasRemaining()) {
        throw new IllegalArgumentException(b.remaining() + " unexpected bytes after the entries");
      }
      return List.copyOf(entries);
    } catch (BufferUnderflowException e) {
      throw new IllegalArgumentException("payload ends inside an entry", e);
    }
  }

  /** A key bound to a value, as a binding record holds it. */
  public record Binding(String key, String value) {
    public Binding {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(value, "value");
    }
  }

  /**
   * Encodes one binding as a complete record (magic, length, payload, checksum).
   *
   * @throws IllegalArgumentException if {@code key} or {@code value} is not well-formed Unicode or
   *     the record would exceed {@link #MAX_PAYLOAD}
   */
  public static ByteBuffer encode(Binding binding) {
    byte[] key = strictUtf8(binding.key(), "key");
    byte[] value = strictUtf8(binding.value(), "value");
    long payload = 12L + key.length + value.length;
    if (key.length == 0 || value.length == 0 || payload > MAX_PAYLOAD) {
      throw new IllegalArgumentException(
          "a binding's key and value are not empty and fit one journal record");
    }
    ByteBuffer b = ByteBuffer.allocate((int) payload);
    b.putInt(0).putInt(key.length).put(key).putInt(value.length).put(value);
    return frame(b.array());
  }

  /** Whether {@code payload}, whose checksum has matched, holds a binding rather than a charge. */
  public static boolean isBinding(byte[] payload) {
    return payload.length >= 4 && ByteBuffer.wrap(payload).getInt() == 0;
  }

  /**
   * Decodes a binding payload ({@link #isBinding}) whose checksum has matched.
   *
   * @throws IllegalArgumentException if the payload is not a well-formed binding; the message
   *     describes the defect, never the payload's contents
   */
  public static Binding decodeBinding(byte[] payload) {
    ByteBuffer b = ByteBuffer.wrap(payload);
    try {
      if (b.getInt() != 0) {
        throw new IllegalArgumentException("not a binding record");
      }
      String key = decodeUtf8(string(b));
      String value = decodeUtf8(string(b));
      if (b.hasRemaining()) {
        throw new IllegalArgumentException(b.remaining() + " unexpected bytes after a binding");
      }
      return new Binding(key, value);
    } catch (BufferUnderflowException e) {
      throw new IllegalArgumentException("payload ends inside a binding", e);
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("a binding is not well-formed UTF-8", e);
    }
  }

  private static byte[] strictUtf8(String s, String what) {
    try {
      return encodeUtf8(s);
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException(
          "a binding's " + what + " is not well-formed Unicode and cannot be journaled", e);
    }
  }

  private static byte[] string(ByteBuffer b) {
    int n = b.getInt();
    if (n < 1 || n > b.remaining()) {
      throw new IllegalArgumentException("impossible string length " + n);
    }
    byte[] s = new byte[n];
    b.get(s);
    return s;
  }

  private static String ledgerName(byte[] bytes) {
    String name;
    try {
      name = decodeUtf8(bytes);
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("a ledger name is not well-formed UTF-8", e);
    }
    if (name.isBlank()) {
      throw new IllegalArgumentException("a ledger name is blank");
    }
    return name;
  }

  private static BigDecimal amount(byte[] bytes) {
    for (byte c : bytes) {
      boolean ok = (c >= '0' && c <= '9') || c == '.' || c == 'E' || c == '-' || c == '+';
      if (!ok) {
        throw new IllegalArgumentException("an amount is not a decimal number");
      }
    }
    BigDecimal a;
    try {
      a = new BigDecimal(new String(bytes, US_ASCII));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("an amount is not a decimal number", e);
    }
    if (a.signum() < 0) {
      throw new IllegalArgumentException("an amount is negative");
    }
    return a;
  }

  private static byte[] utf8(String ledger, int index) {
    try {
      return encodeUtf8(ledger);
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException(
          "ledger name at index "
              + index
              + " is not well-formed Unicode (it has an unpaired surrogate) and cannot be journaled",
          e);
    }
  }

  /**
   * Strict UTF-8: {@code s} as bytes, refusing unpaired surrogates, which would not round-trip.
   *
   * @throws CharacterCodingException if {@code s} is not well-formed Unicode
   */
  public static byte[] encodeUtf8(String s) throws CharacterCodingException {
    ByteBuffer b =
        UTF_8
            .newEncoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .encode(CharBuffer.wrap(s));
    byte[] bytes = new byte[b.remaining()];
    b.get(bytes);
    return bytes;
  }

  /**
   * Strict UTF-8: {@code bytes} as a string, refusing malformed input.
   *
   * @throws CharacterCodingException if {@code bytes} is not well-formed UTF-8
   */
  public static String decodeUtf8(byte[] bytes) throws CharacterCodingException {
    return UTF_8
        .newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT)
        .decode(ByteBuffer.wrap(bytes))
        .toString();
  }
}
