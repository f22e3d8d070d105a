package dev.cleanroom;

/** How a dataset's {@link ColumnRole#USER_ID} column holds its identifiers. */
public enum UserIdFormat {
  /** E-mail addresses: trimmed and lower-cased, then pseudonymized with the room's key. */
  EMAIL,
  /** Phone numbers: reduced to E.164 digits, then pseudonymized with the room's key. */
  PHONE,
  /** Any other identifier: trimmed, then pseudonymized with the room's key. */
  RAW,
  /**
   * Identifiers already pseudonymized by the uploading party with the room's key and the same
   * normalization: 64 hexadecimal digits of HMAC-SHA256. They are used as they are.
   */
  PSEUDONYMIZED
}
