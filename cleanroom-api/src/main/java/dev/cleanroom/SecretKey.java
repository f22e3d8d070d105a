package dev.cleanroom;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * The room's secret key for HMAC pseudonymization of user ids. It never appears in {@link
 * #toString()}, logs or exception messages.
 */
public final class SecretKey {
  /** The smallest accepted key, in bytes (128 bits). */
  public static final int MIN_BYTES = 16;

  /** The size of a generated key, in bytes (256 bits). */
  public static final int GENERATED_BYTES = 32;

  private final byte[] bytes;

  private SecretKey(byte[] bytes) {
    this.bytes = bytes;
  }

  /**
   * A key of the given bytes (copied).
   *
   * @param bytes the key, at least {@link #MIN_BYTES} bytes
   * @return a key of the given bytes (copied)
   * @throws NullPointerException if {@code bytes} is null
   * @throws IllegalArgumentException if the key is shorter than {@link #MIN_BYTES}
   */
  public static SecretKey of(byte[] bytes) {
    Objects.requireNonNull(bytes, "bytes");
    if (bytes.length < MIN_BYTES) {
      throw new IllegalArgumentException(
          "secret key must have at least "
              + MIN_BYTES
              + " bytes; provided length: "
              + bytes.length);
    }
    return new SecretKey(bytes.clone());
  }

  /**
   * A key from its Base64 text.
   *
   * @param base64 the key in Base64
   * @return a key from its Base64 text
   * @throws IllegalArgumentException if the text is not Base64 or the key is too short
   */
  public static SecretKey fromBase64(String base64) {
    Objects.requireNonNull(base64, "base64");
    byte[] decoded;
    try {
      decoded = Base64.getDecoder().decode(base64.trim());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("secret key is not valid Base64", null);
    }
    return of(decoded);
  }

  /**
   * A fresh key of {@link #GENERATED_BYTES} bytes from {@link SecureRandom}.
   *
   * @return a fresh key of {@link #GENERATED_BYTES} bytes from {@link SecureRandom}
   */
  public static SecretKey random() {
    byte[] bytes = new byte[GENERATED_BYTES];
    new SecureRandom().nextBytes(bytes);
    return new SecretKey(bytes);
  }

  /**
   * A copy of the key's bytes.
   *
   * @return a copy of the key's bytes
   */
  public byte[] bytes() {
    return bytes.clone();
  }

  /**
   * The key's length in bytes.
   *
   * @return the key's length in bytes
   */
  public int length() {
    return bytes.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SecretKey other && MessageDigest.isEqual(bytes, other.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  /** Returns a text that never contains the key. */
  @Override
  public String toString() {
    return "SecretKey[" + bytes.length * 8 + " bits, redacted]";
  }
}
