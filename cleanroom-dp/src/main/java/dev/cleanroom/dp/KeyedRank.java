package dev.cleanroom.dp;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Objects;

/**
 * A keyed pseudo-random rank of (person, partition) pairs: the first 8 bytes of SHA-256 over a
 * secret salt, the person's pseudonym and the partition's encoding, each length-prefixed. With a
 * fresh salt per query, ordering a person's partitions by rank is a uniformly random order that the
 * analyst cannot predict, and that a database can reproduce with its own SHA-256 when the work is
 * pushed down.
 *
 * <p>Instances are immutable and safe to share between threads.
 */
public final class KeyedRank {
  private static final int SALT_BYTES = 32;

  private final byte[] salt;
  private final ThreadLocal<MessageDigest> digest = ThreadLocal.withInitial(KeyedRank::sha256);

  private KeyedRank(byte[] salt) {
    this.salt = salt;
  }

  /** A rank with a fresh 256-bit salt from {@link SecureRandom}. */
  public static KeyedRank random() {
    byte[] salt = new byte[SALT_BYTES];
    new SecureRandom().nextBytes(salt);
    return new KeyedRank(salt);
  }

  /**
   * A rank with the given salt, for tests that need a repeatable choice. Production code uses
   * {@link #random()}.
   */
  public static KeyedRank forTestingWithSalt(byte[] salt) {
    Objects.requireNonNull(salt, "salt");
    return new KeyedRank(salt.clone());
  }

  /** The rank of {@code partition} for {@code person}, as an unsigned-comparable long. */
  public long rank(byte[] person, byte[] partition) {
    MessageDigest md = digest.get();
    md.reset();
    md.update(salt);
    md.update(ByteBuffer.allocate(4).putInt(person.length).array());
    md.update(person);
    md.update(ByteBuffer.allocate(4).putInt(partition.length).array());
    md.update(partition);
    // Flip the sign bit so that signed comparison orders like the unsigned hash prefix.
    return ByteBuffer.wrap(md.digest()).getLong() ^ Long.MIN_VALUE;
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
