package dev.cleanroom.internal.execution;

import dev.cleanroom.ColumnType;
import dev.cleanroom.DataSourceException;
import dev.cleanroom.QueryCancelledException;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.dp.ContributionBounding;
import dev.cleanroom.dp.UnitTotals;
import dev.cleanroom.internal.plan.Plan;
import dev.cleanroom.internal.plan.ResolvedColumn;
import dev.cleanroom.pseudonymization.Pseudonymizer;
import dev.cleanroom.spi.ColumnBatch;
import dev.cleanroom.spi.Scan;
import dev.cleanroom.spi.ScanRequest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The streaming path's scan and join, in memory that grows with the people of the smallest dataset,
 * not with the rows or people of the larger ones.
 *
 * <p>The datasets are scanned once each, in batches, smallest first by {@link
 * dev.cleanroom.spi.DataSource#estimatedRows()} (unknown sizes last, ties in query order). The
 * first scan's people make the person table: their keyed hashes ({@link PersonCodes}, or their
 * pseudonyms where {@link PersonCodes#pseudonymsNeeded}) as four {@code long}s, found by open
 * addressing. Every later scan keeps only the rows of people who are in every dataset scanned so
 * far (an inner join drops everyone else anyway), so its partials never hold the people it alone
 * has. Per dataset the partials live in primitive arrays keyed by (person, projection): row count,
 * clamped metric sums and value counts, with each distinct projection held once.
 *
 * <p>Ids are normalized for their format, and each distinct normalized id of the first dataset is
 * hashed (or pseudonymized with HMAC-SHA256) once per query. A memo maps it to its person by a
 * 96-bit fingerprint (MurmurHash3-style, seeded at random per query); two distinct ids share a
 * fingerprint with probability about n² / 2⁹⁷ for n distinct ids (below 10⁻¹⁶ for ten million). The
 * memo holds no id, and datasets with the same id format share it, so the larger datasets of that
 * format need no hash at all: an id the memo lacks is no one the join keeps, and a small filter in
 * front of the memo answers most of those without reading it. A dataset of another format hashes
 * each distinct id once and remembers the answer, "not joined" included. A fingerprint is not a
 * secret: if a party crafted an id that collides with another's, its rows would count for that
 * person, which it could do as well by writing that id.
 *
 * <p>At the end, each joined person's partials are handed out one person at a time, as the maps the
 * aggregation reads.
 *
 * <p>The run's {@link Interrupts} are checked at each batch, every {@link
 * Interrupts#ROWS_PER_CHECK} rows within one and as often among the joined people; the rows of each
 * batch are reported to them.
 */
final class StreamingJoin {
  private static final SecureRandom SEEDS = new SecureRandom();

  /** Receives each person in every dataset, with the person's partials of each dataset. */
  interface PersonSink {
    /**
     * One joined person.
     *
     * @param person the person's index in this join
     * @param rankId the person's normalized id in the query's first dataset, which ranks its groups
     * @param parts per dataset (in query order), the person's partials by projection
     */
    void accept(int person, String rankId, List<Map<List<Object>, Executor.Partial>> parts);
  }

  /** Receives a raw id of a row that passed the filters, with its person's index in the join. */
  interface RawIdSink {
    void accept(String rawId, int person);
  }

  private final Pseudonymizer pseudonymizer;
  private final Interrupts interrupts;

  /**
   * The keyed hash of a normalized id that tells persons apart ({@link PersonCodes}), or null where
   * the query must tell them apart by pseudonym ({@link PersonCodes#pseudonymsNeeded}).
   */
  private SipHash128 codes;

  private final long seedA;
  private final long seedB;
  private long fingerprintHigh;
  private final Persons persons = new Persons();
  private final Map<UserIdFormat, IdMemo> memos = new EnumMap<>(UserIdFormat.class);

  /** The id format of the first dataset scanned, whose people make the person table. */
  private UserIdFormat firstFormat;

  /** Joins the count of datasets each person was seen in, in scan order; grows with persons. */
  private int[] seen = new int[1024];

  /** Per person: its normalized id in the query's first dataset, once that dataset is scanned. */
  private String[] rankIds = new String[1024];

  /** The normalized id of the last {@link #person} call. */
  private String lastNormalized;

  StreamingJoin(Pseudonymizer pseudonymizer, Interrupts interrupts) {
    this.pseudonymizer = pseudonymizer;
    this.interrupts = interrupts;
    this.seedA = SEEDS.nextLong();
    this.seedB = SEEDS.nextLong();
  }

  /**
   * Scans every dataset of {@code plan} and hands each joined person to {@code sink}.
   *
   * @param rawIdsOf the dataset whose raw ids go to {@code rawIds}, or -1 for none
   * @param rawIds receives that dataset's raw ids of rows that passed its filters and the join so
   *     far
   */
  void run(Plan plan, int rawIdsOf, RawIdSink rawIds, PersonSink sink) {
    int n = plan.datasets().size();
    codes = PersonCodes.pseudonymsNeeded(plan) ? null : PersonCodes.of(pseudonymizer);
    List<Integer> order =
        scanOrder(plan.datasets().stream().map(d -> d.dataset().source().estimatedRows()).toList());
    Store[] stores = new Store[n];
    for (int k = 0; k < n; k++) {
      int i = order.get(k);
      stores[i] =
          scan(
              plan.datasets().get(i),
              RowUnits.of(plan, i),
              k,
              i == 0,
              i == rawIdsOf ? rawIds : null);
    }
    int people = persons.count;
    int[][] offsets = new int[n][];
    int[][] entries = new int[n][];
    for (int i = 0; i < n; i++) {
      offsets[i] = new int[people + 1];
      entries[i] = stores[i].byPerson(seen, n, offsets[i]);
    }
    List<Map<List<Object>, Executor.Partial>> parts = new ArrayList<>(n);
    for (int p = 0; p < people; p++) {
      if ((p & Interrupts.CHECK_MASK) == Interrupts.CHECK_MASK) {
        interrupts.check();
      }
      if (seen[p] != n) {
        continue;
      }
      parts.clear();
      for (int i = 0; i < n; i++) {
        parts.add(stores[i].partialsOf(entries[i], offsets[i][p], offsets[i][p + 1]));
      }
      sink.accept(p, rankIds[p], parts);
    }
  }

  /** The datasets' indices, smallest estimated first; unknown sizes last; ties in query order. */
  static List<Integer> scanOrder(List<OptionalLong> estimates) {
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < estimates.size(); i++) {
      order.add(i);
    }
    order.sort(
        Comparator.comparingLong(
            i -> {
              OptionalLong e = estimates.get(i);
              return e.isPresent() ? Math.max(0, e.getAsLong()) : Long.MAX_VALUE;
            }));
    return order;
  }

  /**
   * Scans one dataset into a store, keeping the rows of people seen in all {@code k} datasets
   * scanned before (every person, for the first).
   */
  private Store scan(Plan.DatasetPlan dp, RowUnits slots, int k, boolean first, RawIdSink rawIds) {
    String source = dp.dataset().source().name();
    String userCol = dp.dataset().userIdColumn();
    UserIdFormat format = dp.dataset().userIdFormat();
    if (k == 0) {
      firstFormat = format;
    }
    ScanRequest request =
        new ScanRequest(
            dp.scanColumns(), Set.of(userCol), dp.sourceFilter(), ScanRequest.DEFAULT_BATCH_SIZE);
    int metrics = dp.metrics().size();
    Store store = new Store(metrics, slots.size());
    Executor.BatchRow row = new Executor.BatchRow();
    try (Scan scan = dp.dataset().source().scan(request)) {
      interrupts.check();
      for (Optional<ColumnBatch> next = scan.next(); next.isPresent(); next = scan.next()) {
        ColumnBatch batch = next.get();
        interrupts.check();
        Executor.checkColumns(batch, dp);
        row.batch = batch;
        boolean longIds = batch.columns().get(0).type() == ColumnType.LONG;
        String[] ids = longIds ? null : batch.strings(0);
        long[] longIdValues = longIds ? batch.longs(0) : null;
        for (int r = 0; r < batch.rowCount(); r++) {
          if ((r & Interrupts.CHECK_MASK) == Interrupts.CHECK_MASK) {
            interrupts.check();
          }
          row.row = r;
          if (!dp.local().test(row)) {
            continue;
          }
          String raw = longIds ? Long.toString(longIdValues[r]) : ids[r];
          int p = person(raw, format, k == 0);
          if (p < 0) {
            continue;
          }
          if (seen[p] == k) {
            seen[p] = k + 1;
          } else if (seen[p] != k + 1) {
            // Not in one of the datasets scanned before: the join drops this person.
            continue;
          }
          if (first && rankIds[p] == null) {
            rankIds[p] = lastNormalized;
          }
          if (rawIds != null) {
            rawIds.accept(raw, p);
          }
          int e = store.entry(p, store.projection(batch, dp.projectionSlots(), dp.projection(), r));
          store.rows[e]++;
          for (int m = 0; m < metrics; m++) {
            double v = Executor.value(batch, dp.metricSlots()[m], r);
            // NaN is a missing value: it is dropped, neither counted nor summed.
            if (!Double.isNaN(v)) {
              double clamped = ContributionBounding.clamp(v, dp.valueBounds().get(m));
              store.values[m][e]++;
              for (int s = 0; s < slots.size(); s++) {
                if (slots.metric(s) == m) {
                  slots.add(store.units[s], e, s, clamped);
                }
              }
            }
          }
        }
        interrupts.rowsRead(batch.rowCount());
        interrupts.check(); // before the next batch is asked for
      }
    } catch (DataSourceException | QueryCancelledException e) {
      throw e;
    } catch (Exception | AssertionError e) {
      // Neither the message nor the cause goes on: a source's own message may hold data values.
      // Exception also catches checked exceptions that an adapter throws undeclared.
      throw new DataSourceException(
          source, "scan failed (" + e.getClass().getSimpleName() + ")", null);
    }
    return store;
  }

  /**
   * The person of a raw id: its index, or -1 if it is not in the person table. The first scan
   * ({@code add}) adds new people. A later scan of the first scan's id format needs no pseudonym:
   * an id whose normalized form the first scan did not see is not in the table. Other formats
   * pseudonymize each distinct id once and remember the answer.
   */
  private int person(String raw, UserIdFormat format, boolean add) {
    String normalized;
    try {
      normalized = Pseudonymizer.normalize(raw, format);
    } catch (IllegalArgumentException e) {
      // An id that is not of its format belongs to no person: the row is dropped, on every path
      // (a pushed-down statement drops it too), so that whether a query fails never tells whether
      // the rows behind its filter hold such an id.
      return -1;
    }
    lastNormalized = normalized;
    IdMemo memo = memos.computeIfAbsent(format, f -> new IdMemo());
    long a = fingerprint(normalized);
    long b = fingerprintHigh;
    boolean later = !add && format == firstFormat;
    if (later && !memo.mayHold(a)) {
      return -1; // not an id of the first scan: see below
    }
    int slot = memo.slot(a, b);
    if (memo.filled(slot)) {
      return memo.value(slot);
    }
    if (later) {
      return -1;
    }
    long[] d = new long[4];
    if (codes != null) {
      codes.hash(normalized, d, 0); // the other two longs stay 0
    } else {
      String pid = pseudonymizer.pseudonymize(normalized, format);
      for (int j = 0; j < 4; j++) {
        d[j] = Long.parseUnsignedLong(pid, 16 * j, 16 * j + 16, 16);
      }
    }
    int p = add ? persons.add(d) : persons.find(d);
    if (p >= seen.length) {
      seen = Arrays.copyOf(seen, seen.length * 2);
      rankIds = Arrays.copyOf(rankIds, seen.length);
    }
    memo.put(slot, a, b, p);
    return p;
  }

  /**
   * The first dataset's people: their keyed hashes (two longs and two zeros) or pseudonyms as four
   * longs each, and a table to find them.
   */
  private static final class Persons {
    long[] digests = new long[4 * 1024];
    int count;
    private ColumnarExecutor.DigestTable table = new ColumnarExecutor.DigestTable(digests, 1024);

    /** The index of the person with digest {@code d}, added if new. */
    int add(long[] d) {
      if (4 * count == digests.length) {
        digests = Arrays.copyOf(digests, digests.length * 2);
        table = new ColumnarExecutor.DigestTable(digests, digests.length / 4);
        for (int p = 0; p < count; p++) {
          table.insert(p);
        }
      }
      System.arraycopy(d, 0, digests, 4 * count, 4);
      int holder = table.insert(count);
      if (holder == count) {
        count++;
      }
      return holder;
    }

    /** The index of the person with digest {@code d}, or -1. */
    int find(long[] d) {
      return table.find(d, 0);
    }
  }

  private static int spread(long h) {
    return (int) ((h * 0x9E3779B97F4A7C15L) >>> 33);
  }

  /**
   * Raw-id fingerprints to persons, by open addressing over one array: per slot one long of the
   * fingerprint, and one long holding 32 more bits of it and the person's index (or -1 for an id
   * whose pseudonym is not in the person table) plus two, 0 marking a free slot. Two longs per
   * slot, side by side, so a probe reads one cache line.
   */
  private static final class IdMemo {
    private static final long HIGH = 0xFFFF_FFFF_0000_0000L;
    private long[] table = new long[2 << 12];
    private int size;

    /**
     * A filter of the fingerprints held, four bits per slot (a sixteenth of the table's size, small
     * enough to stay in a core's cache where the table does not): two bits of one word per id,
     * chosen by the fingerprint's first half. An id whose bits are not both set is not held, which
     * answers most probes for the ids of a larger dataset that the memo lacks without reading the
     * table; about one in thirty ids that it lacks passes and is looked up.
     */
    private long[] filter = new long[table.length / 32];

    /**
     * Whether the memo may hold an id with first fingerprint half {@code a}: false if surely not.
     */
    boolean mayHold(long a) {
      long bits = (1L << a) | (1L << (a >>> 6));
      return (filter[(int) (a >>> 40) & (filter.length - 1)] & bits) == bits;
    }

    private void mark(long a) {
      filter[(int) (a >>> 40) & (filter.length - 1)] |= (1L << a) | (1L << (a >>> 6));
    }

    int slot(long a, long b) {
      int mask = table.length / 2 - 1;
      int s = spread(a) & mask;
      while (table[2 * s + 1] != 0
          && (table[2 * s] != a || (table[2 * s + 1] & HIGH) != (b & HIGH))) {
        s = (s + 1) & mask;
      }
      return s;
    }

    boolean filled(int slot) {
      return table[2 * slot + 1] != 0;
    }

    int value(int slot) {
      return (int) table[2 * slot + 1] - 2;
    }

    void put(int slot, long a, long b, int person) {
      table[2 * slot] = a;
      table[2 * slot + 1] = (b & HIGH) | ((person + 2) & 0xFFFF_FFFFL);
      mark(a);
      size++;
      // At most half full: most ids a larger dataset holds are not in the memo, and a probe for
      // a missing id walks its whole cluster (about 2.5 slots at half load, 8.5 at three quarters).
      if (2 * size > table.length / 2) {
        long[] old = table;
        table = new long[old.length * 2];
        filter = new long[table.length / 32];
        for (int t = 0; t < old.length; t += 2) {
          if (old[t + 1] != 0) {
            int u = slot(old[t], old[t + 1]);
            table[2 * u] = old[t];
            table[2 * u + 1] = old[t + 1];
            mark(old[t]);
          }
        }
      }
    }
  }

  /**
   * A 128-bit fingerprint of a string's UTF-16 code units under this join's random seeds: the
   * structure of MurmurHash3 x64-128 (eight code units per block, two lanes), seeded per lane.
   * Returns the first half and leaves the second in {@link #fingerprintHigh}.
   */
  private long fingerprint(String s) {
    final long c1 = 0x87c37b91114253d5L;
    final long c2 = 0x4cf5ad432745937fL;
    long h1 = seedA;
    long h2 = seedB;
    int n = s.length();
    int i = 0;
    for (; i + 8 <= n; i += 8) {
      long k1 = block(s, i);
      long k2 = block(s, i + 4);
      h1 ^= Long.rotateLeft(k1 * c1, 31) * c2;
      h1 = (Long.rotateLeft(h1, 27) + h2) * 5 + 0x52dce729;
      h2 ^= Long.rotateLeft(k2 * c2, 33) * c1;
      h2 = (Long.rotateLeft(h2, 31) + h1) * 5 + 0x38495ab5;
    }
    long k1 = 0;
    long k2 = 0;
    for (int j = 0; i + j < n; j++) {
      long c = s.charAt(i + j);
      if (j < 4) {
        k1 |= c << (16 * j);
      } else {
        k2 |= c << (16 * (j - 4));
      }
    }
    h2 ^= Long.rotateLeft(k2 * c2, 33) * c1;
    h1 ^= Long.rotateLeft(k1 * c1, 31) * c2;
    h1 ^= n;
    h2 ^= n;
    h1 += h2;
    h2 += h1;
    h1 = fmix(h1);
    h2 = fmix(h2);
    h1 += h2;
    h2 += h1;
    fingerprintHigh = h2;
    return h1;
  }

  private static long block(String s, int at) {
    return s.charAt(at)
        | (long) s.charAt(at + 1) << 16
        | (long) s.charAt(at + 2) << 32
        | (long) s.charAt(at + 3) << 48;
  }

  private static long fmix(long k) {
    k ^= k >>> 33;
    k *= 0xff51afd7ed558ccdL;
    k ^= k >>> 33;
    k *= 0xc4ceb9fe1a85ec53L;
    k ^= k >>> 33;
    return k;
  }

  /**
   * One dataset's partials in primitive arrays: per entry (a person and a projection) the row
   * count, and per metric the clamped sum and the number of values; each projection held once.
   */
  private static final class Store {
    private final Map<List<Object>, Integer> projectionCodes = new HashMap<>();
    private final List<List<Object>> projections = new ArrayList<>();

    /** Open addressing over the entries, by their keys; -1 marks a free slot. */
    private int[] slots = filled(new int[1 << 10]);

    private long[] keys = new long[1 << 9];
    long[] rows = new long[1 << 9];
    UnitTotals[] units;
    long[][] values;
    private int size;

    Store(int metrics, int slots) {
      units = new UnitTotals[slots];
      for (int s = 0; s < slots; s++) {
        units[s] = new UnitTotals(1 << 9);
      }
      values = new long[metrics][1 << 9];
    }

    /** Codes of projections of one {@code LONG} column, by open addressing; -1 marks free. */
    private long[] longKeys = new long[16];

    private int[] longCodes = filled(new int[16]);

    /**
     * The code of row {@code r}'s projection of {@code slots} (the values of {@code columns}, time
     * buckets computed), added if new. A projection of one {@code LONG} column is found without
     * building its key.
     */
    int projection(ColumnBatch batch, int[] slots, List<ResolvedColumn> columns, int r) {
      if (slots.length == 1 && batch.columns().get(slots[0]).type() == ColumnType.LONG) {
        long v = batch.longs(slots[0])[r];
        int mask = longCodes.length - 1;
        int s = spread(v) & mask;
        while (longCodes[s] >= 0) {
          if (longKeys[s] == v) {
            return longCodes[s];
          }
          s = (s + 1) & mask;
        }
        int code = code(Executor.projectionKey(batch, slots, columns, r));
        longKeys[s] = v;
        longCodes[s] = code;
        if (2 * projections.size() > longCodes.length) {
          long[] oldKeys = longKeys;
          int[] oldCodes = longCodes;
          longKeys = new long[oldKeys.length * 2];
          longCodes = filled(new int[oldCodes.length * 2]);
          int m2 = longCodes.length - 1;
          for (int t = 0; t < oldCodes.length; t++) {
            if (oldCodes[t] >= 0) {
              int u = spread(oldKeys[t]) & m2;
              while (longCodes[u] >= 0) {
                u = (u + 1) & m2;
              }
              longKeys[u] = oldKeys[t];
              longCodes[u] = oldCodes[t];
            }
          }
        }
        return code;
      }
      return code(Executor.projectionKey(batch, slots, columns, r));
    }

    private int code(List<Object> projection) {
      Integer code = projectionCodes.get(projection);
      if (code == null) {
        code = projections.size();
        projectionCodes.put(projection, code);
        projections.add(projection);
      }
      return code;
    }

    /** The entry of person {@code p} and projection {@code code}, added if new. */
    int entry(int p, int code) {
      long key = ((long) p << 32) | code;
      int mask = slots.length - 1;
      int s = spread(key) & mask;
      while (slots[s] >= 0) {
        if (keys[slots[s]] == key) {
          return slots[s];
        }
        s = (s + 1) & mask;
      }
      if (size == keys.length) {
        int cap = keys.length * 2;
        keys = Arrays.copyOf(keys, cap);
        rows = Arrays.copyOf(rows, cap);
        for (UnitTotals u : units) {
          u.ensureCapacity(cap);
        }
        for (int m = 0; m < values.length; m++) {
          values[m] = Arrays.copyOf(values[m], cap);
        }
      }
      slots[s] = size;
      keys[size] = key;
      size++;
      if (2 * size > slots.length) {
        slots = filled(new int[slots.length * 2]);
        int m2 = slots.length - 1;
        for (int e = 0; e < size; e++) {
          int t = spread(keys[e]) & m2;
          while (slots[t] >= 0) {
            t = (t + 1) & m2;
          }
          slots[t] = e;
        }
      }
      return size - 1;
    }

    /**
     * The entries of people seen in all {@code n} datasets, grouped by person: person p's are at
     * {@code [offsets[p], offsets[p + 1])}. Frees the lookup table, which is no longer needed.
     */
    int[] byPerson(int[] seen, int n, int[] offsets) {
      slots = new int[0];
      for (int e = 0; e < size; e++) {
        int p = (int) (keys[e] >>> 32);
        if (seen[p] == n) {
          offsets[p + 1]++;
        }
      }
      for (int p = 1; p < offsets.length; p++) {
        offsets[p] += offsets[p - 1];
      }
      int[] out = new int[offsets[offsets.length - 1]];
      int[] next = Arrays.copyOf(offsets, offsets.length - 1);
      for (int e = 0; e < size; e++) {
        int p = (int) (keys[e] >>> 32);
        if (seen[p] == n) {
          out[next[p]++] = e;
        }
      }
      return out;
    }

    /** The partials of entries {@code entries[from..to)}, by projection. */
    Map<List<Object>, Executor.Partial> partialsOf(int[] entries, int from, int to) {
      Map<List<Object>, Executor.Partial> out = new HashMap<>();
      for (int j = from; j < to; j++) {
        int e = entries[j];
        Executor.Partial partial = new Executor.Partial(values.length, units.length);
        for (int s = 0; s < units.length; s++) {
          partial.units.addTotal(s, units[s], e);
        }
        partial.rows = rows[e];
        for (int m = 0; m < values.length; m++) {
          partial.values[m] = values[m][e];
        }
        out.put(projections.get((int) keys[e]), partial);
      }
      return out;
    }

    private static int[] filled(int[] a) {
      Arrays.fill(a, -1);
      return a;
    }
  }
}
