package dev.cleanroom.dp;

import java.security.DrbgParameters;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;

/** {@link RandomBits} from a {@link SecureRandom}, read in blocks of 1 KiB. */
final class SecureRandomBits extends PooledRandomBits {
  private static final int BLOCK_BYTES = 1024;

  private final SecureRandom random;

  SecureRandomBits(SecureRandom random) {
    super(BLOCK_BYTES);
    this.random = random;
  }

  /** A DRBG at 256-bit strength, or the platform default if none is available. */
  static SecureRandom strongest() {
    try {
      return SecureRandom.getInstance(
          "DRBG", DrbgParameters.instantiation(256, DrbgParameters.Capability.RESEED_ONLY, null));
    } catch (NoSuchAlgorithmException | IllegalArgumentException e) {
      return new SecureRandom();
    }
  }

  @Override
  void refill(byte[] block) {
    random.nextBytes(block);
  }

  @Override
  public String toString() {
    return "RandomBits.secure(" + random.getAlgorithm() + ")";
  }
}
