package dev.cleanroom.dp;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A keyed pseudo-random rank of (person, partition) pairs: the first 8 bytes of SHA-256 over a
 * secret salt, the person's id and the partition's text. With a fresh salt per query, ordering a
 * person's partitions by rank is a uniformly random order that the analyst cannot predict, and that
 * a database can reproduce with its own SHA-256 when the work is pushed down.
 *
 * <p>Instances are immutable and safe to share between threads.
 */
public final class KeyedRank {
  private static final int SALT_BYTES = 32;
  private static final VarHandle BIG_ENDIAN_LONG =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  private final byte[] salt;

  /**
   * The UTF-8 bytes of the salt's hexadecimal digits and the separator, which every rank hashes
   * first.
   */
  private final byte[] prefix;

  /** Per thread, a ranker for {@link #rank}. */
  private final ThreadLocal<Ranker> rankers = ThreadLocal.withInitial(Ranker::new);

  private KeyedRank(byte[] salt) {
    this.salt = salt;
    this.prefix = (HexFormat.of().formatHex(salt) + "|").getBytes(StandardCharsets.UTF_8);
  }

  /** A rank with a fresh 256-bit salt from {@link SecureRandom}. */
  public static KeyedRank random() {
    byte[] salt = new byte[SALT_BYTES];
    new SecureRandom().nextBytes(salt);
    return new KeyedRank(salt);
  }

  /**
   * A rank with a secret salt derived by the caller, for a choice that is the same whenever the
   * same question is asked again: the engine derives the salt with HMAC-SHA256 under the room's
   * secret key from the query, so that an identical query on unchanged data chooses the same groups
   * for every person (and so gives the same answer) while nobody without the key can compute the
   * choice.
   *
   * @param secretSalt 32 bytes that only the room can compute
   * @return the rank
   * @throws IllegalArgumentException if the salt is not 32 bytes long
   */
  public static KeyedRank keyed(byte[] secretSalt) {
    Objects.requireNonNull(secretSalt, "secretSalt");
    if (secretSalt.length != SALT_BYTES) {
      throw new IllegalArgumentException(
          "secretSalt must be "
              + SALT_BYTES
              + " bytes long; provided length: "
              + secretSalt.length);
    }
    return new KeyedRank(secretSalt.clone());
  }

  /**
   * A rank with the given salt, for tests that need a repeatable choice. Production code uses
   * {@link #keyed(byte[])} or {@link #random()}.
   */
  public static KeyedRank forTestingWithSalt(byte[] salt) {
    Objects.requireNonNull(salt, "salt");
    return new KeyedRank(salt.clone());
  }

  /**
   * The rank of {@code partition} for {@code person}, as an unsigned-comparable long: the first 8
   * bytes of SHA-256 over the UTF-8 bytes of {@code saltHex() + "|" + person + "|" + partition}.
   * Ordering by rank is the same as ordering by the lower-case hexadecimal digest, which is what a
   * database computes when bounding is pushed down to it.
   */
  public long rank(String person, String partition) {
    return rankers.get().rank(person, partition);
  }

  /**
   * A ranker of this rank for one thread: the same ranks as {@link #rank}, computed with its own
   * digest and buffers, so that a rank allocates nothing (but for text that is not ASCII) and asks
   * no thread-local. Not thread-safe: take one per thread.
   *
   * @return a new ranker
   */
  public Ranker ranker() {
    return new Ranker();
  }

  /** The ranks of one {@link KeyedRank}, for one thread at a time (see {@link #ranker()}). */
  public final class Ranker {
    private final MessageDigest md = sha256();
    private final byte[] out = new byte[32];
    private byte[] text = new byte[64];

    private Ranker() {}

    /**
     * The rank of {@code partition} for {@code person}: {@link KeyedRank#rank}.
     *
     * @param person the person's id
     * @param partition the partition's text
     * @return the rank, as an unsigned-comparable long
     */
    public long rank(String person, String partition) {
      int n = put(person, 0);
      n = ensure(n + 1);
      text[n - 1] = '|';
      n = put(partition, n);
      md.update(prefix);
      md.update(text, 0, n);
      try {
        md.digest(out, 0, out.length);
      } catch (DigestException e) {
        throw new IllegalStateException("a SHA-256 digest fits in 32 bytes", e);
      }
      // Flip the sign bit so that signed comparison orders like the unsigned hash prefix.
      return (long) BIG_ENDIAN_LONG.get(out, 0) ^ Long.MIN_VALUE;
    }

    /** Writes the UTF-8 bytes of {@code s} at {@code at}; returns the end. */
    private int put(String s, int at) {
      int len = s.length();
      int end = ensure(at + len);
      for (int i = 0; i < len; i++) {
        char c = s.charAt(i);
        if (c >= 0x80) {
          byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
          end = ensure(at + utf8.length);
          System.arraycopy(utf8, 0, text, at, utf8.length);
          return end;
        }
        text[at + i] = (byte) c;
      }
      return end;
    }

    /** Makes room for {@code length} bytes of text; returns {@code length}. */
    private int ensure(int length) {
      if (length > text.length) {
        text = Arrays.copyOf(text, Math.max(length, 2 * text.length));
      }
      return length;
    }
  }

  /**
   * The salt as lower-case hexadecimal, for a database that ranks in SQL. It is as secret as the
   * query it belongs to; it must not be shown to the analyst.
   */
  public String saltHex() {
    return HexFormat.of().formatHex(salt);
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
    return "KeyedRank[salt redacted]";
  }
}
