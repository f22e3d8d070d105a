package dev.cleanroom.pseudonymization;

import dev.cleanroom.SecretKey;
import dev.cleanroom.UserIdFormat;
import java.util.Objects;
import org.apache.commons.codec.digest.HmacAlgorithms;
import org.apache.commons.codec.digest.HmacUtils;

/**
 * Turns raw user ids into pseudonyms: the id is normalized for its {@link UserIdFormat}, then
 * HMAC-SHA256'd with the room's secret key and written as 64 lower-case hexadecimal digits. The
 * same raw id under two keys gives unrelated pseudonyms, so pseudonyms of different rooms cannot be
 * linked.
 *
 * <p>Normalization is the one meaning of a person's id, in Java and in SQL: a pushed-down query
 * computes it in the database, and two ids are one person exactly when their normalized forms are
 * equal. So it uses only rules that a database computes exactly, never locale or Unicode case rules
 * (in which databases differ from Java and from each other):
 *
 * <ul>
 *   <li><b>Strip:</b> every format first drops leading and trailing whitespace as {@link
 *       String#strip()} does, that is the characters of {@link Character#isWhitespace(int)}: U+0009
 *       to U+000D, U+001C to U+0020, U+1680, U+2000 to U+2006, U+2008 to U+200A, U+2028, U+2029,
 *       U+205F and U+3000. No-break spaces (U+00A0, U+2007, U+202F), U+0085, U+180E, U+200B and
 *       U+FEFF are not whitespace and are kept.
 *   <li>{@link UserIdFormat#RAW}: the stripped id, which must not be empty.
 *   <li>{@link UserIdFormat#EMAIL}: the stripped id with the ASCII letters {@code A}-{@code Z}
 *       lower-cased and every other character kept as it is (so {@code Ä}, {@code İ}, {@code Σ} and
 *       the Kelvin sign stay as they are); it must hold exactly one {@code @}, with at least one
 *       character before and after it.
 *   <li>{@link UserIdFormat#PSEUDONYMIZED}: the stripped id, which must be exactly 64 ASCII
 *       hexadecimal digits, lower-cased.
 *   <li>{@link UserIdFormat#PHONE}: E.164, see {@link #normalizePhone}; not computed in databases.
 * </ul>
 *
 * <p>Parties that upload already pseudonymized ids compute them with this class and the room's key.
 * Instances are safe to share between threads. The key never appears in {@link #toString()} or in
 * any message.
 */
public final class Pseudonymizer {
  private static final int E164_MIN_DIGITS = 7;
  private static final int E164_MAX_DIGITS = 15;

  private final ThreadLocal<HmacUtils> hmac;

  private Pseudonymizer(SecretKey key) {
    byte[] bytes = key.bytes();
    this.hmac = ThreadLocal.withInitial(() -> new HmacUtils(HmacAlgorithms.HMAC_SHA_256, bytes));
  }

  /** A pseudonymizer with {@code key}. */
  public static Pseudonymizer of(SecretKey key) {
    return new Pseudonymizer(Objects.requireNonNull(key, "key"));
  }

  /**
   * The pseudonym of {@code rawId}.
   *
   * @param rawId the id as the party holds it
   * @param format how to normalize it; for {@link UserIdFormat#PSEUDONYMIZED} the id is checked and
   *     lower-cased, not hashed again
   * @throws IllegalArgumentException if the id is empty after normalization or not of its format;
   *     the message never contains the id
   */
  public String pseudonymize(String rawId, UserIdFormat format) {
    Objects.requireNonNull(rawId, "rawId");
    Objects.requireNonNull(format, "format");
    String normalized = normalize(rawId, format);
    return format == UserIdFormat.PSEUDONYMIZED ? normalized : hash(normalized);
  }

  /**
   * The normalized form of {@code rawId} that {@link #pseudonymize} hashes: two raw ids have the
   * same pseudonym exactly when their normalized forms are equal. For {@link
   * UserIdFormat#PSEUDONYMIZED} it is the checked, lower-cased pseudonym itself. The rules are in
   * the {@linkplain Pseudonymizer class description}; {@link
   * dev.cleanroom.jdbc.SqlDialect#normalizedId SqlDialect.normalizedId} computes the same in SQL
   * for every format but {@link UserIdFormat#PHONE}.
   *
   * @param rawId the id as the party holds it
   * @param format how to normalize it
   * @return the normalized id
   * @throws IllegalArgumentException as {@link #pseudonymize} does; the message never contains the
   *     id
   */
  public static String normalize(String rawId, UserIdFormat format) {
    Objects.requireNonNull(rawId, "rawId");
    Objects.requireNonNull(format, "format");
    return switch (format) {
      case EMAIL -> normalizeEmail(rawId);
      case PHONE -> normalizePhone(rawId);
      case RAW -> normalizeRaw(rawId);
      case PSEUDONYMIZED -> checkPseudonym(rawId);
    };
  }

  private String hash(String normalized) {
    return hmac.get().hmacHex(normalized);
  }

  /**
   * An e-mail address stripped of whitespace ({@link String#strip()}) with its ASCII letters
   * lower-cased. Other letters keep their case: databases lower-case them in different ways (or not
   * at all), and a pushed-down query must compute exactly what this method computes.
   *
   * @throws IllegalArgumentException if it holds a lone surrogate, is empty or has no single
   *     {@code @} between a local part and a domain
   */
  public static String normalizeEmail(String email) {
    checkUnicode(Objects.requireNonNull(email, "email"));
    String s = lowerCaseAscii(email.strip());
    int at = s.indexOf('@');
    if (s.isEmpty()) {
      throw new IllegalArgumentException("empty e-mail address");
    }
    if (at <= 0 || at != s.lastIndexOf('@') || at == s.length() - 1) {
      throw new IllegalArgumentException("not an e-mail address");
    }
    return s;
  }

  /**
   * A phone number in E.164 form: {@code +} and 7 to 15 digits. Spaces, dots, hyphens, slashes and
   * parentheses are dropped; a leading {@code 00} is read as {@code +}. A number without a country
   * code cannot be normalized without guessing, so it must start with {@code +} or {@code 00}.
   *
   * @throws IllegalArgumentException if it is not a phone number of that form
   */
  public static String normalizePhone(String phone) {
    String s = Objects.requireNonNull(phone, "phone").strip();
    StringBuilder digits = new StringBuilder(s.length());
    boolean international = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= '0' && c <= '9') {
        digits.append(c);
      } else if (c == '+' && i == 0) {
        international = true;
      } else if (c != ' ' && c != '-' && c != '.' && c != '(' && c != ')' && c != '/') {
        throw new IllegalArgumentException("not a phone number");
      }
    }
    if (!international
        && digits.length() > 2
        && digits.charAt(0) == '0'
        && digits.charAt(1) == '0') {
      digits.delete(0, 2);
      international = true;
    }
    if (!international) {
      throw new IllegalArgumentException("phone number has no country code (+ or 00)");
    }
    if (digits.length() < E164_MIN_DIGITS
        || digits.length() > E164_MAX_DIGITS
        || digits.charAt(0) == '0') {
      throw new IllegalArgumentException("not an E.164 phone number");
    }
    return "+" + digits;
  }

  /**
   * Any other id, stripped of whitespace ({@link String#strip()}); its case is kept.
   *
   * @throws IllegalArgumentException if it is empty after stripping or holds a lone surrogate
   */
  public static String normalizeRaw(String id) {
    checkUnicode(Objects.requireNonNull(id, "id"));
    String s = id.strip();
    if (s.isEmpty()) {
      throw new IllegalArgumentException("empty user id");
    }
    return s;
  }

  /**
   * Refuses text with a lone UTF-16 surrogate, which is not Unicode text: its UTF-8 bytes, which
   * every hash of an id reads, would hold a {@code ?} in its place, so "p" followed by U+D800 and
   * "p?" would be one person by their hashes and two by their text. No such id is of any format, on
   * every path ({@code SqlDialect.normalizedId} reads it as NULL in H2, the one tested database
   * whose text can hold one).
   */
  private static void checkUnicode(String id) {
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (Character.isSurrogate(c)) {
        if (Character.isHighSurrogate(c)
            && i + 1 < id.length()
            && Character.isLowSurrogate(id.charAt(i + 1))) {
          i++;
        } else {
          throw new IllegalArgumentException("user id is not Unicode text (a lone surrogate)");
        }
      }
    }
  }

  /** Whether {@code value} has the form of a pseudonym: 64 hexadecimal digits. */
  public static boolean isPseudonym(String value) {
    if (value.length() != 64) {
      return false;
    }
    for (int i = 0; i < 64; i++) {
      char c = value.charAt(i);
      boolean hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
      if (!hex) {
        return false;
      }
    }
    return true;
  }

  private static String checkPseudonym(String value) {
    String s = value.strip();
    if (!isPseudonym(s)) {
      throw new IllegalArgumentException("not a pseudonym of 64 hexadecimal digits");
    }
    return lowerCaseAscii(s);
  }

  /** {@code s} with {@code A}-{@code Z} replaced by {@code a}-{@code z}; nothing else changes. */
  private static String lowerCaseAscii(String s) {
    char[] chars = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        if (chars == null) {
          chars = s.toCharArray();
        }
        chars[i] = (char) (c + ('a' - 'A'));
      }
    }
    return chars == null ? s : new String(chars);
  }

  @Override
  public String toString() {
    return "Pseudonymizer[HMAC-SHA256, key redacted]";
  }
}
