package dev.cleanroom.spi;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One link of an {@link AuditTrail}: an event, its position and its SHA-256 chain hash.
 *
 * <p>{@code hash} is SHA-256 over {@code previousHash} and a canonical, length-prefixed encoding of
 * {@code index} and every field of {@code event}; the first record's {@code previousHash} is 64
 * zeros. Changing, removing or reordering any record therefore changes the hashes that follow.
 *
 * @param index the 0-based position of the record in its trail
 * @param event the recorded event
 * @param previousHash the hash of the record before it (lower-case hex, 64 digits)
 * @param hash this record's hash (lower-case hex, 64 digits)
 */
public record AuditRecord(long index, AuditEvent event, String previousHash, String hash) {
  /** The {@code previousHash} of the first record of a trail. */
  public static final String GENESIS = "0".repeat(64);

  private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");

  /**
   * @param index the 0-based position of the record in its trail, not negative
   * @param event the recorded event
   * @param previousHash the hash of the record before it, or {@link #GENESIS} for the first record
   *     (lower-case hex, 64 digits)
   * @param hash this record's hash (lower-case hex, 64 digits)
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code index} is negative or a hash is not 64 lower-case
   *     hex digits
   */
  public AuditRecord {
    if (index < 0) {
      throw new IllegalArgumentException("index must not be negative; provided value: " + index);
    }
    Objects.requireNonNull(event, "event");
    checkHash("previousHash", previousHash);
    checkHash("hash", hash);
  }

  private static void checkHash(String name, String value) {
    Objects.requireNonNull(value, name);
    if (!HEX.matcher(value).matches()) {
      throw new IllegalArgumentException(name + " must be 64 lower-case hex digits");
    }
  }
}
