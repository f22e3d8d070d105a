package dev.cleanroom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;

class SecretKeyProperties {
  @Property
  void toString_neverContainsKeyBytes(@ForAll @Size(min = 16, max = 64) byte[] bytes) {
    String s = SecretKey.of(bytes).toString();
    String lower = s.toLowerCase(Locale.ROOT);
    assertFalse(lower.contains(HexFormat.of().formatHex(bytes, 0, 8)), s);
    assertFalse(s.contains(Base64.getEncoder().encodeToString(bytes).substring(0, 12)), s);
    assertFalse(s.contains(Base64.getUrlEncoder().encodeToString(bytes).substring(0, 12)), s);
  }

  @Property
  void key_isAcceptedIffAtLeast16Bytes(@ForAll @Size(max = 40) byte[] bytes) {
    if (bytes.length >= SecretKey.MIN_BYTES) {
      SecretKey key = SecretKey.of(bytes);
      assertArrayEquals(bytes, key.bytes());
      assertEquals(key, SecretKey.fromBase64(Base64.getEncoder().encodeToString(bytes)));
      assertEquals(key.hashCode(), SecretKey.of(bytes.clone()).hashCode());
    } else {
      assertThrows(IllegalArgumentException.class, () -> SecretKey.of(bytes));
    }
  }
}
