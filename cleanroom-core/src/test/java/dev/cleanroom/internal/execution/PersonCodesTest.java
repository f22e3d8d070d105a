package dev.cleanroom.internal.execution;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.cleanroom.SecretKey;
import dev.cleanroom.pseudonymization.Pseudonymizer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.commons.codec.digest.HmacAlgorithms;
import org.apache.commons.codec.digest.HmacUtils;
import org.junit.jupiter.api.Test;

class PersonCodesTest {
  @Test
  void key_isTheFirstSixteenBytesOfTheHmacOfTheLabel() {
    SecretKey key = SecretKey.random();
    byte[] hmac =
        new HmacUtils(HmacAlgorithms.HMAC_SHA_256, key.bytes())
            .hmac("cleanroom person codes v1".getBytes(StandardCharsets.UTF_8));
    long[] expected = new long[2];
    new SipHash128(hmac, 0).hash("user-000000042", expected, 0);
    long[] actual = new long[2];
    PersonCodes.of(Pseudonymizer.of(key)).hash("user-000000042", actual, 0);
    assertArrayEquals(expected, actual);
  }

  @Test
  void twoRoomKeys_giveUnrelatedCodes() {
    long[] a = new long[2];
    long[] b = new long[2];
    PersonCodes.of(Pseudonymizer.of(SecretKey.random())).hash("user-1", a, 0);
    PersonCodes.of(Pseudonymizer.of(SecretKey.random())).hash("user-1", b, 0);
    assertFalse(Arrays.equals(a, b));
  }
}
