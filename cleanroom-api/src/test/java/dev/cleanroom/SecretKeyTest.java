package dev.cleanroom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.testing.EqualsTester;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SecretKeyTest {
  private static byte[] distinctiveBytes(int length) {
    byte[] bytes = new byte[length];
    for (int i = 0; i < length; i++) {
      bytes[i] = (byte) (0xA5 ^ (i * 37));
    }
    return bytes;
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 8, 15})
  void of_shortKey_isRejected(int length) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> SecretKey.of(new byte[length]));
    assertTrue(e.getMessage().contains("provided length: " + length), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(ints = {16, 32, 64})
  void of_longEnoughKey_isAccepted(int length) {
    assertEquals(length, SecretKey.of(new byte[length]).length());
  }

  @Test
  void fromBase64_shortKey_isRejected() {
    String text = Base64.getEncoder().encodeToString(distinctiveBytes(15));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> SecretKey.fromBase64(text));
    assertFalse(e.getMessage().contains(text), e.getMessage());
  }

  @Test
  void toString_neverContainsKey() {
    byte[] bytes = distinctiveBytes(32);
    SecretKey key = SecretKey.of(bytes);
    String s = key.toString();
    String hex = HexFormat.of().formatHex(bytes);
    assertFalse(s.contains(hex), s);
    assertFalse(s.toLowerCase(Locale.ROOT).contains(hex.substring(0, 8)), s);
    assertFalse(s.contains(Base64.getEncoder().encodeToString(bytes)), s);
    assertFalse(s.contains(Base64.getUrlEncoder().encodeToString(bytes)), s);
    assertFalse(s.contains(Arrays.toString(bytes)), s);
    assertTrue(s.contains("256 bits"), s);
  }

  @Test
  void bytes_returnsCopy() {
    byte[] original = distinctiveBytes(16);
    SecretKey key = SecretKey.of(original);
    byte[] first = key.bytes();
    first[0] ^= 1;
    assertArrayEquals(original, key.bytes());
  }

  @Test
  void of_copiesInput() {
    byte[] original = distinctiveBytes(16);
    SecretKey key = SecretKey.of(original);
    original[0] ^= 1;
    assertNotEquals(original[0], key.bytes()[0]);
  }

  @Test
  void equals_comparesBytes() {
    new EqualsTester()
        .addEqualityGroup(SecretKey.of(distinctiveBytes(16)), SecretKey.of(distinctiveBytes(16)))
        .addEqualityGroup(SecretKey.of(distinctiveBytes(32)))
        .addEqualityGroup(SecretKey.of(new byte[16]))
        .testEquals();
  }

  @Test
  void random_is32BytesAndFresh() {
    SecretKey a = SecretKey.random();
    SecretKey b = SecretKey.random();
    assertEquals(32, a.length());
    assertEquals(SecretKey.GENERATED_BYTES, a.bytes().length);
    assertNotEquals(a, b);
    assertFalse(Arrays.equals(a.bytes(), b.bytes()));
  }

  @Test
  void fromBase64_roundTrips() {
    byte[] bytes = distinctiveBytes(24);
    String text = Base64.getEncoder().encodeToString(bytes);
    assertEquals(SecretKey.of(bytes), SecretKey.fromBase64(text));
    assertEquals(SecretKey.of(bytes), SecretKey.fromBase64("  " + text + "\n"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "not-base64-SECRET_TEXT!!",
        "SECRET_TEXT_with spaces inside it",
        "QUJD$$SECRETSECRETSECRET",
        "%%%%%%%%%%%%%%%%%%%%%%%%"
      })
  void fromBase64_invalidText_isRejectedWithoutEchoingIt(String text) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> SecretKey.fromBase64(text));
    for (Throwable t = e; t != null; t = t.getCause()) {
      String message = String.valueOf(t.getMessage());
      assertFalse(message.contains(text), message);
      assertFalse(message.contains("SECRET"), message);
    }
  }
}
