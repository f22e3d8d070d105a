package dev.cleanroom.dp;

/**
 * {@link RandomBits} over a byte source, read in blocks, that hands out exactly as many bits as
 * asked for and keeps the rest of each 64-bit word for the next call. Thread-safe: draws are
 * serialized on this object.
 */
abstract class PooledRandomBits implements RandomBits {
  private final byte[] block;
  private int position;
  private long pool;
  private int poolBits;

  PooledRandomBits(int blockBytes) {
    this.block = new byte[blockBytes];
    this.position = blockBytes;
  }

  /** Fills {@code block} with fresh random bytes. */
  abstract void refill(byte[] block);

  private long word() {
    if (position == block.length) {
      refill(block);
      position = 0;
    }
    long w = 0;
    for (int i = 0; i < Long.BYTES; i++) {
      w = (w << 8) | (block[position + i] & 0xFF);
    }
    position += Long.BYTES;
    return w;
  }

  @Override
  public final long nextLong() {
    return nextBits(Long.SIZE);
  }

  @Override
  public final synchronized long nextBits(int bits) {
    if (bits < 1 || bits > Long.SIZE) {
      throw new IllegalArgumentException("bits must be in [1, 64]; provided value: " + bits);
    }
    if (bits <= poolBits) {
      long result = pool & mask(bits);
      pool = bits == Long.SIZE ? 0 : pool >>> bits;
      poolBits -= bits;
      return result;
    }
    // poolBits < bits <= 64: take what the pool has, the rest from a fresh word.
    int need = bits - poolBits;
    long w = word();
    long result = pool | ((w & mask(need)) << poolBits);
    pool = need == Long.SIZE ? 0 : w >>> need;
    poolBits = Long.SIZE - need;
    return result;
  }

  @Override
  public final boolean nextBoolean() {
    return nextBits(1) != 0;
  }

  private static long mask(int bits) {
    return bits == Long.SIZE ? -1L : (1L << bits) - 1;
  }
}
