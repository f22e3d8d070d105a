package dev.cleanroom.core.internal;

import com.google.common.hash.HashFunction;
import com.google.common.hash.Hashing;
import dev.cleanroom.ColumnType;
import dev.cleanroom.DataSourceException;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.core.Pseudonymizer;
import dev.cleanroom.dp.ContributionBounding;
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
 * first scan's people make the person table: pseudonyms as four {@code long}s, found by open
 * addressing. Every later scan keeps only the rows of people who are in every dataset scanned so
 * far (an inner join drops everyone else anyway), so its partials never hold the people it alone
 * has. Per dataset the partials live in primitive arrays keyed by (person, projection): row count,
 * clamped metric sums and value counts, with each distinct projection held once.
 *
 * <p>Each raw id is pseudonymized (HMAC-SHA256) once per query: a memo maps it to its person, or to
 * "not joined", by a 128-bit fingerprint of two SipHash-2-4 under fresh random keys per query; two
 * distinct ids share a fingerprint with probability about n² / 2¹²⁹ for n distinct ids. The memo
 * holds no id, and datasets with the same id format share it.
 *
 * <p>At the end, each joined person's partials are handed out one person at a time, as the maps the
 * aggregation reads.
 */
final class StreamingJoin {
  private static final SecureRandom SEEDS = new SecureRandom();

  /** Receives each person in every dataset, with the person's partials of each dataset. */
  interface PersonSink {
    /**
     * One joined person.
     *
     * @param person the person's index in this join
     * @param pseudonym the person's pseudonym
     * @param parts per dataset (in query order), the person's partials by projection
     */
    void accept(int person, String pseudonym, List<Map<List<Object>, Executor.Partial>> parts);
  }

  /** Receives a raw id of a row that passed the filters, with its person's index in the join. */
  interface RawIdSink {
    void accept(String rawId, int person);
  }

  private final Pseudonymizer pseudonymizer;
  private final HashFunction fingerprintA;
  private final HashFunction fingerprintB;
  private final Persons persons = new Persons();
  private final Map<UserIdFormat, IdMemo> memos = new EnumMap<>(UserIdFormat.class);

  /** Joins the count of datasets each person was seen in, in scan order; grows with persons. */
  private int[] seen = new int[1024];

  StreamingJoin(Pseudonymizer pseudonymizer) {
    this.pseudonymizer = pseudonymizer;
    this.fingerprintA = Hashing.sipHash24(SEEDS.nextLong(), SEEDS.nextLong());
    this.fingerprintB = Hashing.sipHash24(SEEDS.nextLong(), SEEDS.nextLong());
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
    List<Integer> order =
        scanOrder(plan.datasets().stream().map(d -> d.dataset().source().estimatedRows()).toList());
    Store[] stores = new Store[n];
    for (int k = 0; k < n; k++) {
      int i = order.get(k);
      stores[i] = scan(plan.datasets().get(i), k, i == rawIdsOf ? rawIds : null);
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
      if (seen[p] != n) {
        continue;
      }
      parts.clear();
      for (int i = 0; i < n; i++) {
        parts.add(stores[i].partialsOf(entries[i], offsets[i][p], offsets[i][p + 1]));
      }
      sink.accept(p, ColumnarExecutor.pseudonym(persons.digests, p), parts);
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
  private Store scan(Plan.DatasetPlan dp, int k, RawIdSink rawIds) {
    String source = dp.dataset().source().name();
    String userCol = dp.dataset().userIdColumn();
    UserIdFormat format = dp.dataset().userIdFormat();
    IdMemo memo = memos.computeIfAbsent(format, f -> new IdMemo());
    ScanRequest request =
        new ScanRequest(
            dp.scanColumns(), Set.of(userCol), dp.sourceFilter(), ScanRequest.DEFAULT_BATCH_SIZE);
    int metrics = dp.metrics().size();
    Store store = new Store(metrics);
    Executor.BatchRow row = new Executor.BatchRow();
    try (Scan scan = dp.dataset().source().scan(request)) {
      for (Optional<ColumnBatch> next = scan.next(); next.isPresent(); next = scan.next()) {
        ColumnBatch batch = next.get();
        Executor.checkColumns(batch, dp);
        row.batch = batch;
        boolean longIds = batch.columns().get(0).type() == ColumnType.LONG;
        String[] ids = longIds ? null : batch.strings(0);
        long[] longIdValues = longIds ? batch.longs(0) : null;
        for (int r = 0; r < batch.rowCount(); r++) {
          row.row = r;
          if (!dp.local().test(row)) {
            continue;
          }
          String raw = longIds ? Long.toString(longIdValues[r]) : ids[r];
          int p = person(raw, format, memo, k == 0, source, userCol);
          if (p < 0) {
            continue;
          }
          if (seen[p] == k) {
            seen[p] = k + 1;
          } else if (seen[p] != k + 1) {
            // Not in one of the datasets scanned before: the join drops this person.
            continue;
          }
          if (rawIds != null) {
            rawIds.accept(raw, p);
          }
          int e = store.entry(p, Executor.projectionKey(batch, dp.projectionSlots(), r));
          store.rows[e]++;
          for (int m = 0; m < metrics; m++) {
            double v = Executor.value(batch, dp.metricSlots()[m], r);
            // NaN is a missing value: it is dropped, neither counted nor summed.
            if (!Double.isNaN(v)) {
              store.sums[m][e] += ContributionBounding.clamp(v, dp.valueBounds().get(m));
              store.values[m][e]++;
            }
          }
        }
      }
    } catch (DataSourceException e) {
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
   * The person of a raw id: its index, or -1 if it is not in the person table (only when {@code
   * add} is false; with it, a new person is added).
   */
  private int person(
      String raw, UserIdFormat format, IdMemo memo, boolean add, String source, String userCol) {
    long a = fingerprintA.hashUnencodedChars(raw).asLong();
    long b = fingerprintB.hashUnencodedChars(raw).asLong();
    int slot = memo.slot(a, b);
    if (memo.filled(slot)) {
      return memo.value(slot);
    }
    String pid;
    try {
      pid = pseudonymizer.pseudonymize(raw, format);
    } catch (IllegalArgumentException e) {
      // The message of the pseudonymizer never holds the id.
      throw new DataSourceException(source, -1, userCol, e.getMessage(), null);
    }
    long[] d = new long[4];
    for (int j = 0; j < 4; j++) {
      d[j] = Long.parseUnsignedLong(pid, 16 * j, 16 * j + 16, 16);
    }
    int p = add ? persons.add(d) : persons.find(d);
    if (p >= seen.length) {
      seen = Arrays.copyOf(seen, seen.length * 2);
    }
    memo.put(slot, a, b, p);
    return p;
  }

  /** The first dataset's people: their pseudonyms as four longs each, and a table to find them. */
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
   * Raw-id fingerprints to persons: open addressing over two longs, with the person's index (or -1
   * for an id whose pseudonym is not in the person table) plus one, 0 marking a free slot.
   */
  private static final class IdMemo {
    private long[] keysA = new long[1 << 12];
    private long[] keysB = new long[1 << 12];
    private int[] values = new int[1 << 12];
    private int size;

    int slot(long a, long b) {
      int mask = values.length - 1;
      int s = spread(a) & mask;
      while (values[s] != 0 && (keysA[s] != a || keysB[s] != b)) {
        s = (s + 1) & mask;
      }
      return s;
    }

    boolean filled(int slot) {
      return values[slot] != 0;
    }

    int value(int slot) {
      return values[slot] - 1;
    }

    void put(int slot, long a, long b, int person) {
      keysA[slot] = a;
      keysB[slot] = b;
      values[slot] = person + 1;
      size++;
      if (4 * size > 3 * values.length) {
        long[] oldA = keysA;
        long[] oldB = keysB;
        int[] oldValues = values;
        keysA = new long[oldA.length * 2];
        keysB = new long[oldB.length * 2];
        values = new int[oldValues.length * 2];
        for (int s = 0; s < oldValues.length; s++) {
          if (oldValues[s] != 0) {
            int t = slot(oldA[s], oldB[s]);
            keysA[t] = oldA[s];
            keysB[t] = oldB[s];
            values[t] = oldValues[s];
          }
        }
      }
    }
  }

  /**
   * One dataset's partials in primitive arrays: per entry (a person and a projection) the row
   * count, and per metric the clamped sum and the number of values; each projection held once.
   */
  private static final class Store {
    private final Map<List<Object>, Integer> projectionCodes = new HashMap<>();
    private final List<List<Object>> projections = new ArrayList<>();
    private long[] slotKeys = filledLongs(new long[1 << 10]);
    private int[] slotEntries = new int[1 << 10];
    private long[] keys = new long[1 << 9];
    long[] rows = new long[1 << 9];
    double[][] sums;
    long[][] values;
    private int size;

    Store(int metrics) {
      sums = new double[metrics][1 << 9];
      values = new long[metrics][1 << 9];
    }

    /** The entry of person {@code p} and {@code projection}, added if new. */
    int entry(int p, List<Object> projection) {
      Integer code = projectionCodes.get(projection);
      if (code == null) {
        code = projections.size();
        projectionCodes.put(projection, code);
        projections.add(projection);
      }
      long key = ((long) p << 32) | code;
      int mask = slotKeys.length - 1;
      int s = spread(key) & mask;
      while (slotKeys[s] >= 0) {
        if (slotKeys[s] == key) {
          return slotEntries[s];
        }
        s = (s + 1) & mask;
      }
      slotKeys[s] = key;
      slotEntries[s] = size;
      if (size == keys.length) {
        int cap = keys.length * 2;
        keys = Arrays.copyOf(keys, cap);
        rows = Arrays.copyOf(rows, cap);
        for (int m = 0; m < sums.length; m++) {
          sums[m] = Arrays.copyOf(sums[m], cap);
          values[m] = Arrays.copyOf(values[m], cap);
        }
      }
      keys[size] = key;
      size++;
      if (2 * size > slotKeys.length) {
        slotKeys = filledLongs(new long[slotKeys.length * 2]);
        slotEntries = new int[slotKeys.length];
        int m2 = slotKeys.length - 1;
        for (int e = 0; e < size; e++) {
          int t = spread(keys[e]) & m2;
          while (slotKeys[t] >= 0) {
            t = (t + 1) & m2;
          }
          slotKeys[t] = keys[e];
          slotEntries[t] = e;
        }
      }
      return size - 1;
    }

    /**
     * The entries of people seen in all {@code n} datasets, grouped by person: person p's are at
     * {@code [offsets[p], offsets[p + 1])}. Frees the lookup table, which is no longer needed.
     */
    int[] byPerson(int[] seen, int n, int[] offsets) {
      slotKeys = new long[0];
      slotEntries = new int[0];
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
        Executor.Partial partial = new Executor.Partial(sums.length);
        partial.rows = rows[e];
        for (int m = 0; m < sums.length; m++) {
          partial.sums[m] = sums[m][e];
          partial.values[m] = values[m][e];
        }
        out.put(projections.get((int) keys[e]), partial);
      }
      return out;
    }

    private static long[] filledLongs(long[] a) {
      Arrays.fill(a, -1L);
      return a;
    }
  }
}
