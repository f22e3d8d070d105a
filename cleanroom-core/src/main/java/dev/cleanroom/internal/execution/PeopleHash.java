package dev.cleanroom.internal.execution;

import dev.cleanroom.SecretKey;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.apache.commons.codec.digest.HmacAlgorithms;
import org.apache.commons.codec.digest.HmacUtils;

/**
 * The one keyed 64-bit hash of a person for the difference checks, the same on every path: the
 * first 8 bytes (big-endian) of SHA-256 over the UTF-8 bytes of {@code keyHex() + "|" + id}, where
 * {@code id} is the person's normalized id ({@link
 * dev.cleanroom.pseudonymization.Pseudonymizer#normalize}) and the key is 32 bytes derived from the
 * room's key for this use alone ({@code HMAC-SHA256(roomKey, "cleanroom difference checks v2")}).
 * The key's hexadecimal form has a fixed length of 64 characters, so the text hashed is
 * unambiguous.
 *
 * <p>A database computes the same value with its own SHA-256 ({@link
 * dev.cleanroom.jdbc.SqlDialect#sha256Hex}), the key bound as a parameter: a row released by a
 * pushed-down statement is compared with rows released by the engine's own scans. The key reaches
 * the database (and may land in its query log); it serves nothing else, and the database already
 * holds the raw ids it hashes. The room's key itself never leaves the engine.
 *
 * <p>Immutable and safe to share between threads.
 */
public final class PeopleHash {
  private static final byte[] LABEL =
      "cleanroom difference checks v2".getBytes(StandardCharsets.UTF_8);

  /** The hexadecimal digits of a people hash as a database returns it. */
  private static final int HEX_DIGITS = 16;

  private final String keyHex;
  private final byte[] prefix;
  private final ThreadLocal<MessageDigest> digest = ThreadLocal.withInitial(PeopleHash::sha256);

  private PeopleHash(byte[] key) {
    this.keyHex = HexFormat.of().formatHex(key);
    this.prefix = (keyHex + "|").getBytes(StandardCharsets.UTF_8);
  }

  /** The people hash of a room, keyed from {@code roomKey}. */
  public static PeopleHash of(SecretKey roomKey) {
    return new PeopleHash(new HmacUtils(HmacAlgorithms.HMAC_SHA_256, roomKey.bytes()).hmac(LABEL));
  }

  /** A people hash with a random key, for tests and rooms without state. */
  public static PeopleHash random() {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    return new PeopleHash(key);
  }

  /** The keyed hash of the person whose normalized id is {@code normalizedId}. */
  public long hash(String normalizedId) {
    MessageDigest md = digest.get();
    md.reset();
    md.update(prefix);
    md.update(normalizedId.getBytes(StandardCharsets.UTF_8));
    return ByteBuffer.wrap(md.digest()).getLong();
  }

  /**
   * The hash from the first 16 lower-case hexadecimal digits of the SHA-256 a database computed
   * over the same text.
   *
   * @throws NumberFormatException if {@code hex} is not 16 ASCII hexadecimal digits
   */
  public static long fromHex(String hex) {
    if (hex.length() != HEX_DIGITS) {
      throw new NumberFormatException("a people hash has 16 hexadecimal digits");
    }
    return fromHex(hex, 0);
  }

  /**
   * The hashes of a text of 16 hexadecimal digits per hash, separated by commas: the people of one
   * group from a database whose driver returns no array ({@link
   * dev.cleanroom.jdbc.SqlDialect#hexListAgg}).
   *
   * @throws NumberFormatException if {@code text} is not exactly that (the message holds none of
   *     it)
   */
  public static long[] fromHexList(String text) {
    int n = (text.length() + 1) / (HEX_DIGITS + 1);
    if (text.isEmpty() || n * (HEX_DIGITS + 1) - 1 != text.length()) {
      throw new NumberFormatException("not a list of 16-digit people hashes");
    }
    long[] out = new long[n];
    for (int i = 0; i < n; i++) {
      int at = (HEX_DIGITS + 1) * i;
      if (i > 0 && text.charAt(at - 1) != ',') {
        throw new NumberFormatException("not a list of 16-digit people hashes");
      }
      out[i] = fromHex(text, at);
    }
    return out;
  }

  /** The 16 ASCII hexadecimal digits of {@code text} from {@code at}, as one 64-bit number. */
  private static long fromHex(String text, int at) {
    long v = 0;
    for (int i = at; i < at + HEX_DIGITS; i++) {
      char c = text.charAt(i);
      int digit;
      if (c >= '0' && c <= '9') {
        digit = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        digit = c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        digit = c - 'A' + 10;
      } else {
        throw new NumberFormatException("a people hash has 16 hexadecimal digits");
      }
      v = (v << 4) | digit;
    }
    return v;
  }

  /**
   * The key as 64 lower-case hexadecimal digits, bound as a parameter of a statement that hashes
   * the people of each row in the database. Never shown to the analyst.
   */
  public String keyHex() {
    return keyHex;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
  }

  @Override
  public String toString() {
    return "PeopleHash[key redacted]";
  }
}
