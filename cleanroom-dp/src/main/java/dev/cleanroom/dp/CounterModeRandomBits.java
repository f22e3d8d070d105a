package dev.cleanroom.dp;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A repeatable {@link RandomBits} for tests: block {@code i} is SHA-256 over a fixed label, the
 * seed and {@code i}.
 */
final class CounterModeRandomBits extends PooledRandomBits {
  private static final byte[] LABEL =
      "cleanroom RandomBits.seededForTestingOnly v1".getBytes(StandardCharsets.US_ASCII);
  private static final int DIGEST_BYTES = 32;

  private final long seed;
  private final MessageDigest sha256;
  private final ByteBuffer input = ByteBuffer.allocate(2 * Long.BYTES);
  private long counter;

  CounterModeRandomBits(long seed) {
    super(DIGEST_BYTES);
    this.seed = seed;
    try {
      this.sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
  }

  @Override
  void refill(byte[] block) {
    sha256.reset();
    sha256.update(LABEL);
    input.clear();
    input.putLong(seed).putLong(counter++);
    sha256.update(input.array());
    byte[] digest = sha256.digest();
    System.arraycopy(digest, 0, block, 0, DIGEST_BYTES);
  }

  @Override
  public String toString() {
    return "RandomBits.seededForTestingOnly(...)";
  }
}
