package dev.cleanroom;

/**
 * How a dataset's {@link ColumnRole#USER_ID} column holds its identifiers, and so how they are
 * normalized before they are pseudonymized. Two ids are one person exactly when their normalized
 * forms are equal.
 *
 * <p>Normalization uses only rules that a database computes exactly, so that a query run in the
 * database counts the same people as one run in Java: "stripped" means leading and trailing
 * whitespace removed as {@link String#strip()} does (the characters of {@link
 * Character#isWhitespace(int)}; no-break spaces, U+0085 and zero-width characters are not
 * whitespace and are kept), and only the ASCII letters {@code A}-{@code Z} are ever lower-cased.
 * Letters such as {@code Ä}, {@code İ}, {@code Σ} or the Kelvin sign keep their case, since
 * databases lower-case them in different ways. An id that does not fit its format is rejected,
 * never guessed at; so is an id holding a lone UTF-16 surrogate (not Unicode text), in every
 * format.
 */
public enum UserIdFormat {
  /**
   * E-mail addresses: stripped, with {@code A}-{@code Z} lower-cased and every other character
   * kept; exactly one {@code @}, with at least one character before and after it. Then
   * pseudonymized with the room's key.
   */
  EMAIL,
  /**
   * Phone numbers: reduced to E.164 ({@code +} and 7 to 15 digits; a {@code +} or {@code 00}
   * country prefix is required), then pseudonymized with the room's key. Databases do not compute
   * this normalization, so queries over phone numbers run in Java.
   */
  PHONE,
  /**
   * Any other identifier: stripped (case kept; not empty), then pseudonymized with the room's key.
   */
  RAW,
  /**
   * Identifiers already pseudonymized by the uploading party with the room's key and the same
   * normalization: stripped, exactly 64 ASCII hexadecimal digits of HMAC-SHA256, lower-cased. They
   * are used as they are.
   */
  PSEUDONYMIZED
}
