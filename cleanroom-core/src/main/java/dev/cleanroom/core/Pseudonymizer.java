package dev.cleanroom.core;

import dev.cleanroom.SecretKey;
import dev.cleanroom.UserIdFormat;
import java.util.Locale;
import java.util.Objects;
import org.apache.commons.codec.digest.HmacAlgorithms;
import org.apache.commons.codec.digest.HmacUtils;

/**
 * Turns raw user ids into pseudonyms: the id is normalized for its {@link UserIdFormat}, then
 * HMAC-SHA256'd with the room's secret key and written as 64 lower-case hexadecimal digits. The
 * same raw id under two keys gives unrelated pseudonyms, so pseudonyms of different rooms cannot be
 * linked.
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
   * UserIdFormat#PSEUDONYMIZED} it is the checked, lower-cased pseudonym itself.
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
   * An e-mail address trimmed and lower-cased (in the root locale).
   *
   * @throws IllegalArgumentException if it is empty or has no single {@code @} between a local part
   *     and a domain
   */
  public static String normalizeEmail(String email) {
    String s = Objects.requireNonNull(email, "email").strip().toLowerCase(Locale.ROOT);
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
   * Any other id, trimmed.
   *
   * @throws IllegalArgumentException if it is empty after trimming
   */
  public static String normalizeRaw(String id) {
    String s = Objects.requireNonNull(id, "id").strip();
    if (s.isEmpty()) {
      throw new IllegalArgumentException("empty user id");
    }
    return s;
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
    return s.toLowerCase(Locale.ROOT);
  }

  @Override
  public String toString() {
    return "Pseudonymizer[HMAC-SHA256, key redacted]";
  }
}
