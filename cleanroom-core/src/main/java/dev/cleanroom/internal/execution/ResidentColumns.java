package dev.cleanroom.internal.execution;

import dev.cleanroom.spi.DataSource;
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
   * {@code values[codes[row]]}. The values are normally distinct; the columnar path relies on it
   * only where {@code distinct} says the source made sure of it.
   */
  public record Dictionary(String[] values, int[] codes, boolean distinct) implements Column {}

  /** Reads whole columns of the sources of one class. */
  @FunctionalInterface
  public interface Reader {
    /**
     * Column {@code column} of {@code source} (an instance of the registered class), or empty if
     * this reader does not serve it.
     */
    Optional<Column> column(DataSource source, String column);
  }

  private static final Map<Class<?>, Reader> READERS = new ConcurrentHashMap<>();

  /** Registers {@code reader} for the sources of exactly class {@code type}. */
  public static void register(Class<? extends DataSource> type, Reader reader) {
    READERS.put(Objects.requireNonNull(type, "type"), Objects.requireNonNull(reader, "reader"));
  }

  /** Column {@code column} of {@code source}, whole, if its class registered a reader. */
  static Optional<Column> of(DataSource source, String column) {
    Reader r = READERS.get(source.getClass());
    return r == null ? Optional.empty() : r.column(source, column);
  }
}
