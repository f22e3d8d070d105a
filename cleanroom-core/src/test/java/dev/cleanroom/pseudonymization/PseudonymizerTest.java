package dev.cleanroom.pseudonymization;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.testing.NullPointerTester;
import dev.cleanroom.SecretKey;
import dev.cleanroom.UserIdFormat;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PseudonymizerTest {
  private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

  /** A recognizable key, so that a leak of it into a text would be noticed. */
  private static final byte[] KEY_BYTES = "KEYMATERIAL-0123456789-abcdefghij".getBytes(UTF_8);

  private static final SecretKey KEY = SecretKey.of(KEY_BYTES);
  private static final Pseudonymizer P = Pseudonymizer.of(KEY);

  private static String expectedHmacHex(byte[] key, String message)
      throws GeneralSecurityException {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    return HexFormat.of().formatHex(mac.doFinal(message.getBytes(UTF_8)));
  }

  // ---- e-mail ----

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "a@b.com|a@b.com",
        "' A@B.com '|a@b.com",
        "'\tUser.Name+Tag@Example.COM\n'|user.name+tag@example.com",
        "MIXED@Case.Org|mixed@case.org",
        "x@y|x@y"
      })
  void normalizeEmail_trimsAndLowerCases(String raw, String expected) {
    assertEquals(expected, Pseudonymizer.normalizeEmail(raw));
  }

  @Test
  void normalizeEmail_usesRootLocale_notTheDefaultLocale() {
    Locale saved = Locale.getDefault();
    try {
      Locale.setDefault(Locale.forLanguageTag("tr-TR"));
      assertEquals("title@iris.com", Pseudonymizer.normalizeEmail("TITLE@IRIS.COM"));
    } finally {
      Locale.setDefault(saved);
    }
  }

  /**
   * Only A-Z are lower-cased. Java's full Unicode lower-casing (Ä to ä, İ to i and a combining dot,
   * a final Σ to ς, the Kelvin sign to an ASCII k, Deseret letters) is not what databases compute:
   * PostgreSQL with the C collation lower-cases only ASCII, others follow their own Unicode tables.
   * A pushed-down query must count the same people as Java, so other letters keep their case.
   */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "ÄRGER@Example.DE|Ärger@example.de",
        "İSTANBUL@X.TR|İstanbul@x.tr",
        "ΟΔΥΣΣΕΥΣ@X.GR|ΟΔΥΣΣΕΥΣ@x.gr",
        "\u212A@X.ORG|\u212A@x.org",
        "\uD801\uDC00B@X|\uD801\uDC00b@x"
      })
  void normalizeEmail_lowerCasesAsciiLettersOnly(String raw, String expected) {
    assertEquals(expected, Pseudonymizer.normalizeEmail(raw));
  }

  @Test
  void normalizeEmail_kelvinSign_isNotTheLetterK() {
    // Unicode lower-cases the Kelvin sign (U+212A) to an ASCII k; ASCII-only lower-casing keeps it,
    // so these are two people, in Java as in the SQL that SqlDialect.normalizedId writes.
    assertNotEquals(
        Pseudonymizer.normalizeEmail("\u212A@x.org"), Pseudonymizer.normalizeEmail("K@x.org"));
    assertEquals("k@x.org", Pseudonymizer.normalizeEmail("K@x.org"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"", "   ", "no-at-sign", "@domain.com", "local@", " @ ", "a@b@c.com", "@@"})
  void normalizeEmail_malformed_isRejected(String raw) {
    assertThrows(IllegalArgumentException.class, () -> Pseudonymizer.normalizeEmail(raw));
  }

  // ---- phone ----

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "+49301234567|+49301234567",
        "+49 30 1234567|+49301234567",
        "' +49 30 1234567 '|+49301234567",
        "0049 30 1234567|+49301234567",
        "0049-(30)-123.45/67|+49301234567",
        "+1 (555) 123-4567|+15551234567",
        "+1234567|+1234567",
        "+123456789012345|+123456789012345",
        "00 1234567|+1234567"
      })
  void normalizePhone_producesE164(String raw, String expected) {
    assertEquals(expected, Pseudonymizer.normalizePhone(raw));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "   ",
        "+",
        "00",
        "030 1234567", // no country code
        "49301234567", // no country code
        "+123456", // 6 digits: too short
        "00123456", // 6 digits after 00
        "+1234567890123456", // 16 digits: too long
        "+0301234567", // country code starts with 0
        "0000301234567", // 00, then 0
        "+49 30 CALL-ME",
        "+49 30 1234567 ext 5",
        "++49301234567",
        "+49+301234567",
        "49+301234567",
        "+49_30_1234567",
        "+49,30,1234567",
        "+٤٩٣٠١٢٣٤٥٦٧" // Arabic-Indic digits are not ASCII digits
      })
  void normalizePhone_malformed_isRejected(String raw) {
    assertThrows(IllegalArgumentException.class, () -> Pseudonymizer.normalizePhone(raw));
  }

  // ---- raw ----

  @Test
  void normalizeRaw_strips_butKeepsCase() {
    assertEquals("AbC 1", Pseudonymizer.normalizeRaw("  AbC 1\t"));
  }

  @Test
  void normalizeRaw_stripsJavaWhitespaceOnly() {
    // U+001C (a separator Java counts as whitespace) and U+3000 are stripped; no-break spaces,
    // U+0085, U+200B and U+FEFF are not whitespace in Java and are part of the id.
    assertEquals("a", Pseudonymizer.normalizeRaw("\u001C\u3000a\u2029\u000B"));
    for (String kept :
        List.of("\u00A0", "\u2007", "\u202F", "\u0085", "\u180E", "\u200B", "\uFEFF")) {
      assertEquals(kept + "a" + kept, Pseudonymizer.normalizeRaw(kept + "a" + kept));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "\t\n", "\u2003"})
  void normalizeRaw_blank_isRejected(String raw) {
    assertThrows(IllegalArgumentException.class, () -> Pseudonymizer.normalizeRaw(raw));
  }

  // ---- pseudonyms ----

  @Test
  void pseudonyms_are64LowerCaseHexDigits() {
    for (String p :
        List.of(
            P.pseudonymize("a@b.com", UserIdFormat.EMAIL),
            P.pseudonymize("+49 30 1234567", UserIdFormat.PHONE),
            P.pseudonymize("customer-42", UserIdFormat.RAW),
            P.pseudonymize("é", UserIdFormat.RAW))) {
      assertTrue(HEX64.matcher(p).matches(), p);
    }
  }

  @Test
  void pseudonyms_ofEquivalentInputs_areEqual() {
    assertEquals(
        P.pseudonymize("a@b.com", UserIdFormat.EMAIL),
        P.pseudonymize(" A@B.com ", UserIdFormat.EMAIL));
    assertEquals(
        P.pseudonymize("+49301234567", UserIdFormat.PHONE),
        P.pseudonymize("0049 (30) 123-4567", UserIdFormat.PHONE));
    assertEquals(
        P.pseudonymize("id-7", UserIdFormat.RAW), P.pseudonymize(" id-7\t", UserIdFormat.RAW));
  }

  @Test
  void pseudonyms_ofDifferentInputs_differ() {
    assertNotEquals(
        P.pseudonymize("a@b.com", UserIdFormat.EMAIL),
        P.pseudonymize("a@c.com", UserIdFormat.EMAIL));
    assertNotEquals(
        P.pseudonymize("ID-7", UserIdFormat.RAW), P.pseudonymize("id-7", UserIdFormat.RAW));
  }

  @Test
  void pseudonym_isTheHmacSha256OfTheNormalizedId() throws GeneralSecurityException {
    assertEquals(
        expectedHmacHex(KEY_BYTES, "a@b.com"), P.pseudonymize(" A@B.com ", UserIdFormat.EMAIL));
    assertEquals(
        expectedHmacHex(KEY_BYTES, "+49301234567"),
        P.pseudonymize("0049 30 1234567", UserIdFormat.PHONE));
    assertEquals(expectedHmacHex(KEY_BYTES, "Zoë 7"), P.pseudonymize(" Zoë 7 ", UserIdFormat.RAW));
  }

  @Test
  void pseudonym_matchesRfc4231TestCase1() {
    // RFC 4231, test case 1: key = 20 bytes of 0x0b, data = "Hi There".
    byte[] key = new byte[20];
    Arrays.fill(key, (byte) 0x0b);
    assertEquals(
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
        Pseudonymizer.of(SecretKey.of(key)).pseudonymize("Hi There", UserIdFormat.RAW));
  }

  @Test
  void differentKeys_giveUnlinkablePseudonyms() {
    byte[] other = KEY_BYTES.clone();
    other[0] ^= 1;
    Pseudonymizer p2 = Pseudonymizer.of(SecretKey.of(other));
    Set<String> underKey1 = new HashSet<>();
    Set<String> underKey2 = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      String id = "user" + i + "@example.com";
      underKey1.add(P.pseudonymize(id, UserIdFormat.EMAIL));
      underKey2.add(p2.pseudonymize(id, UserIdFormat.EMAIL));
    }
    assertEquals(1000, underKey1.size());
    assertEquals(1000, underKey2.size());
    Set<String> both = new HashSet<>(underKey1);
    both.retainAll(underKey2);
    assertTrue(both.isEmpty(), "a pseudonym under key 1 equals one under key 2");
  }

  @Test
  void pseudonymized_passesThroughLowerCased_withoutHashingAgain() {
    String p = P.pseudonymize("customer-42", UserIdFormat.RAW);
    assertEquals(p, P.pseudonymize(p, UserIdFormat.PSEUDONYMIZED));
    assertEquals(p, P.pseudonymize(p.toUpperCase(Locale.ROOT), UserIdFormat.PSEUDONYMIZED));
    assertEquals(p, P.pseudonymize("  " + p + " ", UserIdFormat.PSEUDONYMIZED));
    // Another key does not change an already pseudonymized id: it is used as it is.
    assertEquals(
        p, Pseudonymizer.of(SecretKey.random()).pseudonymize(p, UserIdFormat.PSEUDONYMIZED));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "abc",
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde", // 63
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0", // 65
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg",
        "0123456789abcdef0123456789abcdef 0123456789abcdef0123456789abcde"
      })
  void pseudonymized_malformed_isRejected(String raw) {
    assertThrows(
        IllegalArgumentException.class, () -> P.pseudonymize(raw, UserIdFormat.PSEUDONYMIZED));
  }

  @Test
  void isPseudonym_acceptsOnly64HexDigits() {
    String p = P.pseudonymize("x", UserIdFormat.RAW);
    assertTrue(Pseudonymizer.isPseudonym(p));
    assertTrue(Pseudonymizer.isPseudonym(p.toUpperCase(Locale.ROOT)));
    assertFalse(Pseudonymizer.isPseudonym(p.substring(1)));
    assertFalse(Pseudonymizer.isPseudonym(p + "0"));
    assertFalse(Pseudonymizer.isPseudonym("z" + p.substring(1)));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "EMAIL|SENSITIVE-alice-no-at-sign",
        "EMAIL|@SENSITIVE-alice",
        "EMAIL|SENSITIVE-alice@",
        "EMAIL|SENSITIVE@alice@x",
        "PHONE|SENSITIVE 555 1234",
        "PHONE|+49 SENSITIVE",
        "PHONE|0301234567890",
        "PHONE|+12345678901234567890",
        "PSEUDONYMIZED|SENSITIVE-not-hex",
        "PSEUDONYMIZED|0123456789abcdef0123456789"
      })
  void errorMessages_neverContainTheInput(UserIdFormat format, String raw) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> P.pseudonymize(raw, format));
    String message = String.valueOf(e.getMessage());
    assertFalse(message.contains(raw), message);
    assertFalse(message.contains("SENSITIVE"), message);
    assertFalse(message.contains("alice"), message);
    assertFalse(message.contains("1234"), message);
    assertFalse(message.contains("0123456789"), message);
  }

  @Test
  void toString_neverContainsTheKey() {
    List<String> texts = new ArrayList<>();
    texts.add(P.toString());
    texts.add(KEY.toString());
    String hex = HexFormat.of().formatHex(KEY_BYTES);
    String base64 = Base64.getEncoder().encodeToString(KEY_BYTES);
    for (String t : texts) {
      assertFalse(t.contains("KEYMATERIAL"), t);
      assertFalse(t.contains(hex), t);
      assertFalse(t.contains(hex.substring(0, 16)), t);
      assertFalse(t.contains(base64.substring(0, 16)), t);
    }
  }

  @Test
  void nullArguments_areRejected() {
    NullPointerTester tester = new NullPointerTester().setDefault(SecretKey.class, KEY);
    tester.testAllPublicStaticMethods(Pseudonymizer.class);
    tester.testAllPublicInstanceMethods(P);
  }

  @Test
  void pseudonymizer_isSafeToShareBetweenThreads() throws Exception {
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      expected.add(P.pseudonymize("user" + i, UserIdFormat.RAW));
    }
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<List<String>>> futures = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        futures.add(
            pool.submit(
                () -> {
                  List<String> out = new ArrayList<>();
                  for (int i = 0; i < 200; i++) {
                    out.add(P.pseudonymize("user" + i, UserIdFormat.RAW));
                  }
                  return out;
                }));
      }
      for (Future<List<String>> f : futures) {
        assertEquals(expected, f.get());
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
