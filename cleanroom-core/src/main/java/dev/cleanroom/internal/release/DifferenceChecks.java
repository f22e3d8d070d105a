package dev.cleanroom.internal.release;

import dev.cleanroom.internal.execution.PeopleHash;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Difference checks for threshold-mode results, as Ads Data Hub does them: the set of people of
 * every released row is remembered per analyst and piece of data (the name under which the data was
 * first registered, shared by every dataset over it), and a new row whose set differs from a
 * remembered one by more than 0 and fewer than k people is suppressed.
 *
 * <p>A set is a sorted {@code long[]} of the people's {@link PeopleHash} values: 64 bits of a keyed
 * SHA-256 of each person's normalized id, keyed with a key derived from the room's secret key for
 * this use alone (random in tests), and computed the same way by the engine and in a database, so
 * that rows released on every path are compared with each other. The store holds no id and reveals
 * nothing without the key. A room with a durable state store hands every kept row to a listener,
 * and restores them with {@link #restore} when it starts again with the same key, so that a
 * differencing attack split across a restart is still stopped. Two people share a hash with
 * probability about n²/2⁶⁵ for n people, which can only make a set look one person smaller.
 *
 * <p>Memory: 8 bytes per person per remembered row, plus a few dozen bytes per row. It is bounded
 * by the retention (a row is forgotten once its query's longest retention has passed) and by {@link
 * #DEFAULT_MAX_ROWS} remembered rows per analyst and dataset, the oldest dropped first. A dropped
 * row is no longer compared: an analyst who makes more releases than the cap can difference a new
 * row against a forgotten one, so the cap weakens the defense in exchange for bounded memory.
 *
 * <p>Only rows whose sizes differ by less than k can differ by fewer than k people, so the store is
 * indexed by size and a new row is compared with those rows only; a comparison stops as soon as k
 * differences are found.
 *
 * <p>Thread-safe: the checks and the remembering of one analyst's results run one at a time, so
 * that two concurrent queries cannot both release rows that differ by fewer than k people.
 */
public final class DifferenceChecks {
  /** The number of rows remembered per analyst and dataset; beyond it, the oldest are dropped. */
  public static final int DEFAULT_MAX_ROWS = 100_000;

  private final PeopleHash hash;
  private final int maxRows;
  private final ConcurrentMap<String, Analyst> analysts = new ConcurrentHashMap<>();
  private volatile Consumer<List<Kept>> listener = kept -> {};

  /**
   * How a room's releases take turns with the rooms elsewhere that share its state store (see
   * {@link dev.cleanroom.spi.StateStore#exclusive}).
   */
  public interface Sharing {
    /**
     * Runs {@code body} while no room that shares the state store runs one.
     *
     * @param body what to run
     * @param <T> what {@code body} returns
     * @return what {@code body} returned
     */
    <T> T exclusive(Supplier<T> body);

    /**
     * Restores the rows that rooms elsewhere kept since the last call.
     *
     * @param now the time of the release
     */
    void catchUp(Instant now);
  }

  /** A room alone: its own checks are serialized per analyst, and nobody else keeps rows. */
  private static final Sharing ALONE =
      new Sharing() {
        @Override
        public <T> T exclusive(Supplier<T> body) {
          return body.get();
        }

        @Override
        public void catchUp(Instant now) {}
      };

  private volatile Sharing sharing = ALONE;

  /**
   * One kept row, as handed to the listener and restored after a restart.
   *
   * @param analyst the analyst it was released to
   * @param datasets the datasets the query touched
   * @param expires when it is forgotten
   * @param people its sorted set of keyed hashes
   */
  public record Kept(String analyst, List<String> datasets, Instant expires, long[] people) {}

  /** Difference checks with a random key and {@link #DEFAULT_MAX_ROWS}. */
  public DifferenceChecks() {
    this(DEFAULT_MAX_ROWS);
  }

  /** Difference checks with a random key, remembering at most {@code maxRows} per store. */
  public DifferenceChecks(int maxRows) {
    this(PeopleHash.random(), maxRows);
  }

  /**
   * Difference checks whose people are hashed with {@code hash}, remembering at most {@code
   * maxRows} per store.
   */
  public DifferenceChecks(PeopleHash hash, int maxRows) {
    if (maxRows < 1) {
      throw new IllegalArgumentException("maxRows must be positive; provided value: " + maxRows);
    }
    this.hash = Objects.requireNonNull(hash, "hash");
    this.maxRows = maxRows;
  }

  /**
   * Hands the rows kept by each later release to {@code listener}, all of one release in one call,
   * under the analyst's lock and before the release returns (so a durable listener has them on disk
   * before any of them reaches the analyst).
   */
  public void onKept(Consumer<List<Kept>> listener) {
    this.listener = Objects.requireNonNull(listener, "listener");
  }

  /** Remembers a row kept before a restart, unless it has expired at {@code now}. */
  /**
   * Makes every release take its turn with the rooms that share the state store, after restoring
   * the rows they kept: set once, before the first release.
   */
  public void shareThrough(Sharing sharing) {
    this.sharing = Objects.requireNonNull(sharing, "sharing");
  }

  public void restore(Kept kept, Instant now) {
    if (!kept.expires().isAfter(now)) {
      return;
    }
    Analyst a = analysts.computeIfAbsent(kept.analyst(), x -> new Analyst());
    synchronized (a) {
      for (String d : kept.datasets()) {
        a.stores
            .computeIfAbsent(d, x -> new Store())
            .remember(kept.people(), kept.expires(), maxRows);
      }
    }
  }

  /** The keyed hash of the people of each row, on every path. */
  public PeopleHash peopleHash() {
    return hash;
  }

  /** The keyed 64-bit hash of the person whose normalized id is {@code normalizedId}. */
  public long hash(String normalizedId) {
    return hash.hash(normalizedId);
  }

  /** Below this many hashes a people set is sorted in place, without buckets. */
  private static final int BUCKETED = 512;

  /**
   * The set of people of a row: {@code hashes} sorted, without repeats.
   *
   * <p>The hashes are keyed, so they spread evenly: a large set is first spread by its top bits
   * over buckets of about four hashes each (in order, since a bucket's index grows with the signed
   * value), then each bucket is sorted on its own, which costs about two passes instead of a sort's
   * log n. Hashes that do not spread (repeats, or a key that makes them close) only make the
   * buckets larger, each sorted in O(m log m).
   *
   * @param hashes the keyed hashes of the row's people, in any order; a small set is sorted in
   *     place, a large one is copied
   * @param count how many of {@code hashes} are used
   */
  static long[] peopleSet(long[] hashes, int count) {
    long[] sorted;
    if (count < BUCKETED) {
      Arrays.sort(hashes, 0, count);
      sorted = hashes;
    } else {
      sorted = bucketSort(hashes, count);
    }
    int distinct = 0;
    for (int i = 0; i < count; i++) {
      if (distinct == 0 || sorted[distinct - 1] != sorted[i]) {
        sorted[distinct++] = sorted[i];
      }
    }
    return distinct == sorted.length && sorted != hashes ? sorted : Arrays.copyOf(sorted, distinct);
  }

  /** The first {@code count} of {@code hashes} sorted, in a new array of that length. */
  private static long[] bucketSort(long[] hashes, int count) {
    int bits = 31 - Integer.numberOfLeadingZeros(count / 4); // 2^bits buckets, about 4 per bucket
    int buckets = 1 << bits;
    int[] start = new int[buckets + 1];
    for (int i = 0; i < count; i++) {
      start[bucket(hashes[i], bits) + 1]++;
    }
    for (int b = 0; b < buckets; b++) {
      start[b + 1] += start[b];
    }
    int[] next = Arrays.copyOf(start, buckets);
    long[] out = new long[count];
    for (int i = 0; i < count; i++) {
      out[next[bucket(hashes[i], bits)]++] = hashes[i];
    }
    for (int b = 0; b < buckets; b++) {
      Arrays.sort(out, start[b], start[b + 1]);
    }
    return out;
  }

  /** The bucket of {@code h} among 2^bits: its top bits, with the sign flipped to keep order. */
  private static int bucket(long h, int bits) {
    return (int) ((h ^ Long.MIN_VALUE) >>> (64 - bits));
  }

  /**
   * Checks the rows of one result, in order, and remembers those it keeps.
   *
   * @param analyst the analyst the result goes to
   * @param datasets the data the query touched: for each dataset, the qualified name under which
   *     its data was first registered (several names over one piece of data share one memory)
   * @param k the query's minimum distinct users
   * @param retention how long the kept rows are remembered
   * @param now the time of the release
   * @param rows the people set of each row (see {@link #peopleSet}), in release order
   * @return for each row, whether it may be released
   */
  boolean[] release(
      String analyst,
      List<String> datasets,
      int k,
      Duration retention,
      Instant now,
      List<long[]> rows) {
    Sharing s = sharing;
    return s.exclusive(
        () -> {
          s.catchUp(now);
          return check(analyst, datasets, k, retention, now, rows);
        });
  }

  /** {@link #release} in this room, once it has its turn. */
  private boolean[] check(
      String analyst,
      List<String> datasets,
      int k,
      Duration retention,
      Instant now,
      List<long[]> rows) {
    Analyst a = analysts.computeIfAbsent(analyst, x -> new Analyst());
    Instant expires = now.plus(retention);
    boolean[] keep = new boolean[rows.size()];
    List<Kept> kept = new ArrayList<>();
    synchronized (a) {
      List<Store> stores = new ArrayList<>();
      for (String d : datasets) {
        Store s = a.stores.computeIfAbsent(d, x -> new Store());
        s.forget(now);
        stores.add(s);
      }
      for (int r = 0; r < rows.size(); r++) {
        long[] people = rows.get(r);
        keep[r] = stores.stream().noneMatch(s -> s.hasNear(people, k, now));
        if (keep[r]) {
          for (Store s : stores) {
            s.remember(people, expires, maxRows);
          }
          kept.add(new Kept(analyst, List.copyOf(datasets), expires, people));
        }
      }
      if (!kept.isEmpty()) {
        listener.accept(kept);
      }
    }
    return keep;
  }

  /** The number of rows remembered for an analyst and dataset, for tests. */
  int remembered(String analyst, String dataset) {
    Analyst a = analysts.get(analyst);
    if (a == null) {
      return 0;
    }
    synchronized (a) {
      Store s = a.stores.get(dataset);
      return s == null ? 0 : s.order.size();
    }
  }

  /**
   * The size of the symmetric difference of two sorted sets, counted up to {@code limit}: the
   * result is exact below {@code limit} and {@code limit} otherwise.
   */
  static int difference(long[] a, long[] b, int limit) {
    int i = 0;
    int j = 0;
    int d = 0;
    while (i < a.length && j < b.length && d < limit) {
      if (a[i] == b[j]) {
        i++;
        j++;
      } else if (a[i] < b[j]) {
        i++;
        d++;
      } else {
        j++;
        d++;
      }
    }
    d += (a.length - i) + (b.length - j);
    return Math.min(d, limit);
  }

  /** One analyst's stores, by dataset. */
  private static final class Analyst {
    final Map<String, Store> stores = new HashMap<>();
  }

  /** A remembered row. Identity matters: the same set may be remembered twice. */
  private static final class Row {
    final long[] people;
    final Instant expires;

    Row(long[] people, Instant expires) {
      this.people = people;
      this.expires = expires;
    }
  }

  /** The rows remembered for one analyst and dataset, by size and in release order. */
  private static final class Store {
    final NavigableMap<Integer, Set<Row>> bySize = new TreeMap<>();
    final LinkedHashSet<Row> order = new LinkedHashSet<>();

    /** Drops every row whose retention has passed. */
    void forget(Instant now) {
      for (Iterator<Row> it = order.iterator(); it.hasNext(); ) {
        Row row = it.next();
        if (!row.expires.isAfter(now)) {
          it.remove();
          unindex(row);
        }
      }
    }

    /** Whether a remembered row differs from {@code people} by more than 0 and fewer than k. */
    boolean hasNear(long[] people, int k, Instant now) {
      int size = people.length;
      int low = size - k + 1;
      int high = size + k - 1;
      for (Set<Row> rows : bySize.subMap(low, true, high, true).values()) {
        for (Row row : rows) {
          if (row.expires.isAfter(now)) {
            int d = difference(people, row.people, k);
            if (d > 0 && d < k) {
              return true;
            }
          }
        }
      }
      return false;
    }

    /**
     * Remembers {@code people} until {@code expires}. A row already remembered with the same set is
     * replaced (the same people released again), keeping the later expiry.
     */
    void remember(long[] people, Instant expires, int maxRows) {
      Instant until = expires;
      Set<Row> same = bySize.get(people.length);
      if (same != null) {
        for (Row r : same) {
          if (Arrays.equals(r.people, people)) {
            until = r.expires.isAfter(until) ? r.expires : until;
            order.remove(r);
            unindex(r);
            break;
          }
        }
      }
      Row row = new Row(people, until);
      order.add(row);
      bySize.computeIfAbsent(people.length, x -> new LinkedHashSet<>()).add(row);
      while (order.size() > maxRows) {
        Row oldest = order.iterator().next();
        order.remove(oldest);
        unindex(oldest);
      }
    }

    private void unindex(Row row) {
      Set<Row> rows = bySize.get(row.people.length);
      rows.remove(row);
      if (rows.isEmpty()) {
        bySize.remove(row.people.length);
      }
    }
  }
}
