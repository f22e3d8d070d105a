package dev.cleanroom.internal.execution;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * SipHash-2-4 with a 128-bit output (Aumasson and Bernstein, "SipHash: a fast short-input PRF",
 * 2012; the 128-bit variant of the reference implementation), over the UTF-8 bytes of a string: a
 * keyed pseudo-random function for short inputs, about two orders of magnitude cheaper than
 * HMAC-SHA256 on an id of a few dozen bytes, and fast before the JIT compiler has warmed up (no
 * digest objects, no allocation for ASCII text).
 *
 * <p>The key is 16 bytes: {@code k0} is bytes 0 to 7 read little-endian, {@code k1} bytes 8 to 15.
 * The output is the reference implementation's 16 bytes as two little-endian {@code long}s: the
 * first is bytes 0 to 7, the second bytes 8 to 15.
 *
 * <p>Immutable and safe to share between threads.
 */
final class SipHash128 {
  private static final VarHandle LITTLE_ENDIAN =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private final long k0;
  private final long k1;

  /** A hash under the 16-byte key {@code key[from .. from + 16)}. */
  SipHash128(byte[] key, int from) {
    if (key.length - from < 16) {
      throw new IllegalArgumentException("a SipHash key has 16 bytes");
    }
    this.k0 = littleEndian(key, from, 8);
    this.k1 = littleEndian(key, from + 8, 8);
  }

  /**
   * Writes the hash of the UTF-8 bytes of {@code s} to {@code out[at]} (bytes 0 to 7 of the output)
   * and {@code out[at + 1]} (bytes 8 to 15).
   */
  void hash(String s, long[] out, int at) {
    int n = s.length();
    for (int i = 0; i < n; i++) {
      if (s.charAt(i) >= 0x80) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        hash(b, b.length, out, at);
        return;
      }
    }
    // ASCII: each char is one byte.
    State st = new State(k0, k1);
    int i = 0;
    for (; i + 8 <= n; i += 8) {
      long m = 0;
      for (int j = 7; j >= 0; j--) {
        m = (m << 8) | s.charAt(i + j);
      }
      st.block(m);
    }
    long last = ((long) n) << 56;
    for (int j = n - 1; j >= i; j--) {
      last |= ((long) s.charAt(j)) << (8 * (j - i));
    }
    st.finish(last, out, at);
  }

  /** Writes the hash of {@code b[0 .. length)} to {@code out[at]} and {@code out[at + 1]}. */
  void hash(byte[] b, int length, long[] out, int at) {
    hash(b, 0, length, out, at);
  }

  /**
   * Writes the hash of {@code b[from .. from + length)} to {@code out[at]} and {@code out[at + 1]}.
   */
  void hash(byte[] b, int from, int length, long[] out, int at) {
    State st = new State(k0, k1);
    int i = from;
    int end = from + length;
    for (; i + 8 <= end; i += 8) {
      st.block((long) LITTLE_ENDIAN.get(b, i));
    }
    long last = ((long) length) << 56 | littleEndian(b, i, end - i);
    st.finish(last, out, at);
  }

  private static long littleEndian(byte[] b, int from, int count) {
    long v = 0;
    for (int j = count - 1; j >= 0; j--) {
      v = (v << 8) | (b[from + j] & 0xFF);
    }
    return v;
  }

  /** The four words of one hash in progress. */
  private static final class State {
    private long v0;
    private long v1;
    private long v2;
    private long v3;

    State(long k0, long k1) {
      v0 = k0 ^ 0x736f6d6570736575L;
      v1 = k1 ^ 0x646f72616e646f6dL ^ 0xee; // 0xee: the 128-bit output
      v2 = k0 ^ 0x6c7967656e657261L;
      v3 = k1 ^ 0x7465646279746573L;
    }

    void block(long m) {
      v3 ^= m;
      round();
      round();
      v0 ^= m;
    }

    void finish(long last, long[] out, int at) {
      block(last);
      v2 ^= 0xee;
      round();
      round();
      round();
      round();
      out[at] = v0 ^ v1 ^ v2 ^ v3;
      v1 ^= 0xdd;
      round();
      round();
      round();
      round();
      out[at + 1] = v0 ^ v1 ^ v2 ^ v3;
    }

    private void round() {
      v0 += v1;
      v1 = Long.rotateLeft(v1, 13);
      v1 ^= v0;
      v0 = Long.rotateLeft(v0, 32);
      v2 += v3;
      v3 = Long.rotateLeft(v3, 16);
      v3 ^= v2;
      v0 += v3;
      v3 = Long.rotateLeft(v3, 21);
      v3 ^= v0;
      v2 += v1;
      v1 = Long.rotateLeft(v1, 17);
      v1 ^= v2;
      v2 = Long.rotateLeft(v2, 32);
    }
  }
}
