package dev.cleanroom.internal.execution;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class SipHash128Test {
  /**
   * The reference implementation's 128-bit outputs under the key 00 01 .. 0f for the messages 00 01
   * .. (n - 1), for some lengths n (the published test vectors).
   */
  private static final String[][] VECTORS = {
    {"0", "a3817f04ba25a8e66df67214c7550293"},
    {"1", "da87c1d86b99af44347659119b22fc45"},
    {"2", "8177228da4a45dc7fca38bdef60affe4"},
    {"7", "a1f1ebbed8dbc153c0b84aa61ff08239"},
    {"8", "3b62a9ba6258f5610f83e264f31497b4"},
    {"15", "5493e99933b0a8117e08ec0f97cfc3d9"},
    {"16", "6ee2a4ca67b054bbfd3315bf85230577"},
    {"17", "473d06e8738db89854c066c47ae47740"},
  };

  private static byte[] referenceKey() {
    byte[] k = new byte[16];
    for (int i = 0; i < 16; i++) {
      k[i] = (byte) i;
    }
    return k;
  }

  private static byte[] bytes(long[] out) {
    byte[] b = new byte[16];
    for (int i = 0; i < 16; i++) {
      b[i] = (byte) (out[i / 8] >>> (8 * (i % 8)));
    }
    return b;
  }

  @Test
  void referenceVectors_match() {
    SipHash128 h = new SipHash128(referenceKey(), 0);
    for (String[] v : VECTORS) {
      int n = Integer.parseInt(v[0]);
      byte[] in = new byte[n];
      for (int i = 0; i < n; i++) {
        in[i] = (byte) i;
      }
      long[] out = new long[2];
      h.hash(in, n, out, 0);
      assertArrayEquals(HexFormat.of().parseHex(v[1]), bytes(out), "length " + n);
      // The same bytes as a string of chars below 0x80 take the string path.
      long[] viaString = new long[2];
      h.hash(new String(in, StandardCharsets.ISO_8859_1), viaString, 0);
      assertArrayEquals(out, viaString, "length " + n);
      // And the same bytes inside a larger array, at an offset.
      byte[] padded = new byte[n + 5];
      System.arraycopy(in, 0, padded, 3, n);
      long[] atOffset = new long[2];
      h.hash(padded, 3, n, atOffset, 0);
      assertArrayEquals(out, atOffset, "length " + n + " at offset 3");
    }
  }

  @Test
  void key_startsAtOffset_andNeedsSixteenBytes() {
    byte[] padded = new byte[20];
    System.arraycopy(referenceKey(), 0, padded, 4, 16);
    long[] a = new long[2];
    long[] b = new long[2];
    new SipHash128(padded, 4).hash("user-1", a, 0);
    new SipHash128(referenceKey(), 0).hash("user-1", b, 0);
    assertArrayEquals(a, b);
    assertThrows(IllegalArgumentException.class, () -> new SipHash128(new byte[15], 0));
  }

  @Test
  void differentKeys_giveDifferentHashes() {
    byte[] other = referenceKey();
    other[15] ^= 1;
    long[] a = new long[2];
    long[] b = new long[2];
    new SipHash128(referenceKey(), 0).hash("user-1", a, 0);
    new SipHash128(other, 0).hash("user-1", b, 0);
    assertNotEquals(a[0], b[0]);
  }

  /** Any string hashes as its UTF-8 bytes, ASCII or not. */
  @Property(tries = 300)
  void string_hashesAsItsUtf8Bytes(@ForAll String s) {
    SipHash128 h = new SipHash128(referenceKey(), 0);
    long[] a = new long[3];
    long[] b = new long[2];
    h.hash(s, a, 1);
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    h.hash(utf8, utf8.length, b, 0);
    assertEquals(b[0], a[1]);
    assertEquals(b[1], a[2]);
  }

  /**
   * A RAW id's bytes that {@link ColumnarExecutor#rawAsIs} lets the columnar path hash as they are
   * (inside a larger array) hash as the normalized id does, which is the id itself.
   */
  @Property(tries = 1000)
  void rawIdHeldAsIs_hashesAsItsNormalizedForm(
      @ForAll("ids") String id, @ForAll("pads") String before, @ForAll("pads") String after) {
    byte[] pre = before.getBytes(StandardCharsets.UTF_8);
    byte[] utf8 = id.getBytes(StandardCharsets.UTF_8);
    byte[] all = (before + id + after).getBytes(StandardCharsets.UTF_8);
    if (!ColumnarExecutor.rawAsIs(all, pre.length, utf8.length)) {
      return; // hashed from its string, as every other id
    }
    String normalized = dev.cleanroom.pseudonymization.Pseudonymizer.normalizeRaw(id);
    assertEquals(id, normalized);
    SipHash128 h = new SipHash128(referenceKey(), 0);
    long[] held = new long[2];
    long[] viaString = new long[2];
    h.hash(all, pre.length, utf8.length, held, 0);
    h.hash(normalized, viaString, 0);
    assertArrayEquals(viaString, held);
  }

  @Test
  void rawAsIs_onlyForIdsWithoutWhitespaceAtTheEnds() {
    byte[] b = " user-1 \u00a0x\tuser-2".getBytes(StandardCharsets.UTF_8);
    assertEquals(true, ColumnarExecutor.rawAsIs(b, 1, 6)); // "user-1"
    assertEquals(false, ColumnarExecutor.rawAsIs(b, 0, 7)); // " user-1"
    assertEquals(false, ColumnarExecutor.rawAsIs(b, 1, 7)); // "user-1 "
    assertEquals(false, ColumnarExecutor.rawAsIs(b, 1, 0)); // ""
    assertEquals(false, ColumnarExecutor.rawAsIs(b, 8, 3)); // a no-break space, then "x"
    assertEquals(false, ColumnarExecutor.rawAsIs(b, 11, 7)); // a tab, then "user-2"
  }

  /** Ids with whitespace, controls and other scripts, at the ends too. */
  @net.jqwik.api.Provide
  net.jqwik.api.Arbitrary<String> ids() {
    return net.jqwik.api.Arbitraries.strings()
        .withCharRange('\u0000', '\u00ff')
        .withChars(' ', '\t', '\u2003', '\u3000', '\u00e9', 'Z')
        .ofMaxLength(12);
  }

  @net.jqwik.api.Provide
  net.jqwik.api.Arbitrary<String> pads() {
    return net.jqwik.api.Arbitraries.strings().withChars('x', ' ', '\u00e9').ofMaxLength(3);
  }
}
