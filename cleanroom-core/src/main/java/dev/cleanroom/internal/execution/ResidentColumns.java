package dev.cleanroom.internal.execution;

import dev.cleanroom.spi.DataSource;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Read access to the arrays of this module's in-memory sources, for the columnar path: the source's
 * own arrays, not copies, so that a query reads a column without a scan that copies it batch by
 * batch, and the distinct user ids of a dictionary-encoded column become person codes ({@link
 * PersonCodes}) without being collected again. The columnar path only reads them; nothing outside
 * this module can reach them (the package is not exported).
 *
 * <p>A source class registers a reader for its instances ({@link #register}) when it is
 * initialized; a source without one, or a column a reader does not serve, is scanned as before.
 */
public final class ResidentColumns {
  private ResidentColumns() {}

  /**
   * One column of a source, whole, one entry per row: {@link Longs} or {@link NarrowLongs} for
   * LONG, {@link Doubles} for DOUBLE, {@link Strings} or a {@link Dictionary} for STRING.
   */
  public sealed interface Column permits Longs, NarrowLongs, Doubles, Strings, Dictionary {}

  /** A STRING column, one value per row. */
  public record Strings(String[] values) implements Column {}

  /** A LONG column. */
  public record Longs(long[] values) implements Column {}

  /**
   * A LONG column whose values span less than 2<sup>32</sup>, in four bytes per row: row {@code r}
   * holds {@code base + (offsets[r] & 0xFFFFFFFFL)} (an unsigned offset from the smallest value),
   * exactly.
   */
  public record NarrowLongs(int[] offsets, long base) implements Column {
    /** The value at {@code offset} from {@code base}: what every reader of such a column reads. */
    public static long value(long base, int offset) {
      return base + (offset & 0xFFFFFFFFL);
    }

    /**
     * Whether values from {@code lo} to {@code hi} ({@code hi >= lo}) fit such a column: whether
     * they span less than 2<sup>32</sup>, {@code hi - lo} read as unsigned (exact, since {@code hi
     * >= lo}).
     */
    public static boolean fits(long lo, long hi) {
      return Long.compareUnsigned(hi - lo, 0xFFFFFFFFL) <= 0;
    }
  }

  /** A DOUBLE column (NaN is a missing value). */
  public record Doubles(double[] values) implements Column {}

  /**
   * A dictionary-encoded STRING column: values, and one code per row, so that a row's value is
   * {@code values.get(codes[row])}. The values are normally distinct; the columnar path relies on
   * it only where {@code distinct} says the source made sure of it.
   */
  public record Dictionary(Texts values, int[] codes, boolean distinct) implements Column {}

  /**
   * The values of a dictionary, by code from 0 to {@link #size()}: an array of strings ({@link
   * #of}), or text held as bytes ({@link Utf8Texts}) that becomes a {@code String} only when it is
   * asked for. Immutable and safe to read from several threads.
   */
  public interface Texts {
    /** The number of values. */
    int size();

    /**
     * The value of {@code code}; equal strings for the same code, not always the same object.
     *
     * @throws IndexOutOfBoundsException if {@code code} is not from 0 to {@link #size()}
     */
    String get(int code);

    /** The strings of {@code values}, which the caller no longer changes (no copy). */
    static Texts of(String[] values) {
      Objects.requireNonNull(values, "values");
      return new Texts() {
        @Override
        public int size() {
          return values.length;
        }

        @Override
        public String get(int code) {
          return values[code];
        }
      };
    }
  }

  /**
   * Text values held as their UTF-8 bytes, in parts: part {@code p} holds its values one after
   * another in {@code bytes[p]}, value {@code k} from {@code starts[p][k]} to {@code starts[p][k +
   * 1]}, and the codes run through the parts in order. A value becomes a {@code String} when it is
   * asked for (and again each time, in a dictionary of more than {@link #FEW_VALUES} values), so
   * that a large dictionary is a few arrays rather than two objects per value: the benchmark's ten
   * million impressions have about two million distinct ids of 14 characters, which took about 120
   * MB as {@code String}s (each copied by the collector while the load was still running) and take
   * about 36 MB this way.
   */
  public static final class Utf8Texts implements Texts {
    private final byte[][] bytes;
    private final int[][] starts;

    /** Per part: the code of its first value; then the number of values. */
    private final int[] first;

    /**
     * For a dictionary of at most {@link #FEW_VALUES} values, each value's string once made, so
     * that a scan of a column of few values (a country, a channel), for a filter or a group, makes
     * each string once rather than once per row; null for a larger dictionary (user ids), whose
     * strings are not kept. Threads may race to fill an entry: each writes an equal, immutable
     * string.
     */
    private final String[] made;

    /** The most values of a dictionary whose strings are kept once made. */
    public static final int FEW_VALUES = 1 << 16;

    /**
     * Values from parts of bytes, which the caller hands over (no copy); each part must be valid
     * UTF-8 value by value.
     *
     * @param bytes per part, its values' bytes one after another
     * @param starts per part, where each value starts in its bytes, then where the last ends
     * @throws IllegalArgumentException if the parts do not match or hold more than {@code
     *     Integer.MAX_VALUE - 8} values together
     */
    public Utf8Texts(byte[][] bytes, int[][] starts) {
      if (bytes.length != starts.length) {
        throw new IllegalArgumentException(
            "bytes and starts must have as many parts; provided: "
                + bytes.length
                + " and "
                + starts.length);
      }
      this.bytes = bytes;
      this.starts = starts;
      this.first = new int[bytes.length + 1];
      long n = 0;
      for (int p = 0; p < bytes.length; p++) {
        int[] s = starts[p];
        if (s.length == 0 || s[s.length - 1] > bytes[p].length) {
          throw new IllegalArgumentException("part " + p + " has starts beyond its bytes");
        }
        first[p] = (int) n;
        n += s.length - 1;
        if (n > Integer.MAX_VALUE - 8) {
          throw new IllegalArgumentException("more than Integer.MAX_VALUE - 8 values");
        }
      }
      first[bytes.length] = (int) n;
      made = n <= FEW_VALUES ? new String[(int) n] : null;
    }

    @Override
    public int size() {
      return first[first.length - 1];
    }

    @Override
    public String get(int code) {
      Objects.checkIndex(code, size());
      if (made != null && made[code] != null) {
        return made[code];
      }
      int p = part(code);
      int[] s = starts[p];
      int k = code - first[p];
      String value = new String(bytes[p], s[k], s[k + 1] - s[k], StandardCharsets.UTF_8);
      if (made != null) {
        made[code] = value;
      }
      return value;
    }

    /**
     * Hands the bytes of the values from code {@code from} to {@code to} (exclusive) to {@code
     * action}, in code order, without making strings. The action must only read the bytes.
     *
     * @throws IndexOutOfBoundsException if the codes are not a range of this dictionary's
     */
    public void forEach(int from, int to, ValueBytes action) {
      Objects.checkFromToIndex(from, to, size());
      if (from == to) {
        return;
      }
      for (int p = part(from), code = from; code < to; p++) {
        int[] s = starts[p];
        byte[] b = bytes[p];
        for (int end = Math.min(first[p + 1], to); code < end; code++) {
          int k = code - first[p];
          action.accept(code, b, s[k], s[k + 1] - s[k]);
        }
      }
    }

    /**
     * The last part whose first code is at most {@code code}: never an empty one, since the part
     * after an empty part starts at the same code.
     */
    private int part(int code) {
      int lo = 0;
      int hi = first.length - 2;
      while (lo < hi) {
        int mid = (lo + hi + 1) >>> 1;
        if (first[mid] <= code) {
          lo = mid;
        } else {
          hi = mid - 1;
        }
      }
      return lo;
    }
  }

  /** One value of a {@link Utf8Texts}: its code and where its bytes are. */
  @FunctionalInterface
  public interface ValueBytes {
    /** Takes value {@code code}, held in {@code bytes[from .. from + length)}. */
    void accept(int code, byte[] bytes, int from, int length);
  }

  /** Reads whole columns of the sources of one class. */
  @FunctionalInterface
  public interface Reader {
    /**
     * Column {@code column} of {@code source} (an instance of the registered class), or empty if
     * this reader does not serve it.
     */
    Optional<Column> column(DataSource source, String column);

    /**
     * Fails at once, as a scan of {@code source} asking for {@code column} as non-empty would (see
     * {@link dev.cleanroom.spi.ScanRequest#nonEmptyColumns()}): for a source that holds a value
     * there that it reports as malformed data (a blank user id in a CSV file read whole), so that
     * the columnar path fails exactly where the streamed one does. By default nothing.
     *
     * @throws dev.cleanroom.DataSourceException if the column holds such a value
     */
    default void requireNonEmpty(DataSource source, String column) {}
  }

  private static final Map<Class<?>, Reader> READERS = new ConcurrentHashMap<>();

  /** Registers {@code reader} for the sources of exactly class {@code type}. */
  public static void register(Class<? extends DataSource> type, Reader reader) {
    READERS.put(Objects.requireNonNull(type, "type"), Objects.requireNonNull(reader, "reader"));
  }

  /**
   * Fails if {@code source}'s reader reports a value of {@code column}, the user id column of a
   * query, as malformed ({@link Reader#requireNonEmpty}); nothing for a source without a reader.
   */
  static void requireNonEmpty(DataSource source, String column) {
    Reader r = READERS.get(source.getClass());
    if (r != null) {
      r.requireNonEmpty(source, column);
    }
  }

  /** Column {@code column} of {@code source}, whole, if its class registered a reader. */
  static Optional<Column> of(DataSource source, String column) {
    Reader r = READERS.get(source.getClass());
    return r == null ? Optional.empty() : r.column(source, column);
  }
}
