package dev.cleanroom.internal.execution;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.pseudonymization.Pseudonymizer;
import dev.cleanroom.spi.DataSource;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/**
 * The person codes that the columnar path made of resident sources under one room key ({@link
 * ColumnarExecutor.Ids}), kept exactly as long as a room with that key is.
 *
 * <p>Rooms with the same key share one cache ({@link #of}): a second room over the same sources, or
 * a room built again with its key, does not hash the ids again. Each room holds its key's cache;
 * once no room with that key is left, nothing holds the cache, and the garbage collector takes it
 * with every code it held. A host that builds a room per tenant or per request over long-lived
 * sources therefore keeps the codes of its live rooms only. Within a cache, sources are held weakly
 * and only a source's current version is kept: the codes of a dropped source, or of a version that
 * a newer one replaced, are not kept either.
 *
 * <p>Codes are kept per source, user id column, id format and kind: two datasets over one source
 * with different user id columns (the buyers and the sellers of one table of sales) have codes of
 * their own, never each other's.
 *
 * <p>Safe to share between threads. The codes of one source, column, id format and kind are made
 * once: a run that asks for them while another makes them waits for that one's.
 */
public final class PersonCodeCache {
  /**
   * The cache of each room key that some live room holds, by a pseudonym of a constant under that
   * key (which tells keys apart without holding them); held weakly, so by the rooms only.
   */
  private static final Cache<String, PersonCodeCache> BY_KEY =
      CacheBuilder.newBuilder().weakValues().build();

  private final Cache<DataSource, Map<Kind, Versioned>> bySource =
      CacheBuilder.newBuilder().weakKeys().build();

  private PersonCodeCache() {}

  /**
   * The cache of {@code pseudonymizer}'s key, shared by every room with that key while one lives.
   */
  public static PersonCodeCache of(Pseudonymizer pseudonymizer) {
    String tag = pseudonymizer.pseudonymize("dev.cleanroom.columnar", UserIdFormat.RAW);
    try {
      return BY_KEY.get(tag, PersonCodeCache::new);
    } catch (ExecutionException e) {
      throw new IllegalStateException("person code cache failed", e.getCause());
    }
  }

  /** Which codes of a source: its user id column and id format, and pseudonyms or person codes. */
  private record Kind(String column, UserIdFormat format, boolean pseudonyms) {}

  /** The codes of one version of a source. */
  private record Versioned(String version, ColumnarExecutor.Ids ids) {}

  /**
   * The codes of user id column {@code column} of {@code source} at {@code version} for {@code
   * format} and {@code pseudonyms}: the kept ones, or {@code make}'s, which then replace those of
   * any other version.
   */
  ColumnarExecutor.Ids get(
      DataSource source,
      String version,
      String column,
      UserIdFormat format,
      boolean pseudonyms,
      Supplier<ColumnarExecutor.Ids> make) {
    Map<Kind, Versioned> perSource;
    try {
      perSource = bySource.get(source, HashMap::new);
    } catch (ExecutionException e) {
      throw new IllegalStateException("person code cache failed", e.getCause());
    }
    Kind kind = new Kind(column, format, pseudonyms);
    synchronized (perSource) {
      Versioned kept = perSource.get(kind);
      if (kept != null && kept.version().equals(version)) {
        return kept.ids();
      }
      ColumnarExecutor.Ids ids = make.get();
      perSource.put(kind, new Versioned(version, ids));
      return ids;
    }
  }

  /** For tests: the number of codes kept, over all sources, kinds and versions. */
  int sizeForTesting() {
    bySource.cleanUp();
    int n = 0;
    for (Map<Kind, Versioned> perSource : bySource.asMap().values()) {
      synchronized (perSource) {
        n += perSource.size();
      }
    }
    return n;
  }
}
