package dev.cleanroom.dp;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
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

  private final byte[] salt;

  /**
   * Per thread, a digest that has taken in the salt's hexadecimal digits and the separator, so that
   * each rank only adds the person and the partition to a copy of it.
   */
  private final ThreadLocal<MessageDigest> primed;

  private KeyedRank(byte[] salt) {
    this.salt = salt;
    byte[] prefix = (HexFormat.of().formatHex(salt) + "|").getBytes(StandardCharsets.UTF_8);
    this.primed =
        ThreadLocal.withInitial(
            () -> {
              MessageDigest md = sha256();
              md.update(prefix);
              return md;
            });
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
    MessageDigest md;
    try {
      md = (MessageDigest) primed.get().clone();
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException("SHA-256 digests can be copied on every Java platform", e);
    }
    md.update((person + "|" + partition).getBytes(StandardCharsets.UTF_8));
    // Flip the sign bit so that signed comparison orders like the unsigned hash prefix.
    return ByteBuffer.wrap(md.digest()).getLong() ^ Long.MIN_VALUE;
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
