package dev.cleanroom.internal.execution;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import dev.cleanroom.ColumnType;
import dev.cleanroom.QueryCancelledException;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.dp.ContributionBounding;
import dev.cleanroom.dp.ExactTotals;
import dev.cleanroom.dp.KeyedRank;
import dev.cleanroom.dp.UnitTotals;
import dev.cleanroom.internal.plan.ExecutionPaths;
import dev.cleanroom.internal.plan.Plan;
import dev.cleanroom.pseudonymization.Pseudonymizer;
import dev.cleanroom.spi.ColumnBatch;
import dev.cleanroom.spi.DataSource;
import dev.cleanroom.spi.Scan;
import dev.cleanroom.spi.ScanRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.IntFunction;
import java.util.stream.IntStream;

/**
 * The columnar path of {@link Executor} for in-memory sources ({@link InMemorySource}, {@link
 * ColumnarSource}): the same answer as the streaming path, computed on primitive arrays.
 *
 * <p>Each dataset's user ids are pseudonymized once per source version and room key, and kept as
 * one {@code int} person code per row plus each person's pseudonym as four {@code long}s ({@link
 * Ids}, cached). A query then scans only the grouped and metric columns, accumulates per-person
 * totals in arrays indexed by person code, maps persons of the other datasets onto the first
 * dataset's codes (a cached join map), collects the joined rows of the grouped dataset by person (a
 * counting sort, so each person's rows stay in scan order), and bounds and aggregates each person's
 * groups, split over the cores by person ranges. No per-row objects are created.
 *
 * <p>It covers plans without cross-dataset conditions that group by at most one column, read from a
 * single dataset ({@link #supports}); everything else takes the streaming path.
 *
 * <p>The run's {@link Interrupts} are checked at each batch and every {@link
 * Interrupts#ROWS_PER_CHECK} rows within one (the batches here are larger than the streamed ones),
 * during the pseudonymization of new ids and every as many people while bounding; the rows of each
 * batch are reported to them.
 */
final class ColumnarExecutor {
  private static final int BATCH = 1 << 16;

  /** Pseudonymized ids per source (weakly held) and per room key, source version and id format. */
  private static final Cache<DataSource, Map<String, Ids>> IDS =
      CacheBuilder.newBuilder().weakKeys().build();

  private final Pseudonymizer pseudonymizer;
  private final PeopleHash peopleHash;
  private final KeyedRank rank;
  private final String roomTag;
  private final Interrupts interrupts;

  ColumnarExecutor(
      Pseudonymizer pseudonymizer, KeyedRank rank, PeopleHash peopleHash, Interrupts interrupts) {
    this.pseudonymizer = pseudonymizer;
    this.peopleHash = peopleHash;
    this.rank = rank;
    this.interrupts = interrupts;
    // A pseudonym of a constant tells rooms apart without holding their keys.
    this.roomTag = pseudonymizer.pseudonymize("dev.cleanroom.columnar", UserIdFormat.RAW);
  }

  /** The pseudonymized user ids of one source version. */
  static final class Ids {
    /** Per row: the person's code, or -1 for an id that does not pseudonymize. */
    final int[] rowPerson;

    /** Per person: the pseudonym's 32 bytes as four longs. */
    final long[] digests;

    final int persons;

    /** Per person: one of its raw ids, for the id that ranks its groups. */
    private final String[] personRaw;

    private final UserIdFormat format;
    private volatile DigestTable table;
    private final Cache<Ids, int[]> joins = CacheBuilder.newBuilder().weakKeys().build();

    Ids(int[] rowPerson, long[] digests, int persons, String[] personRaw, UserIdFormat format) {
      this.rowPerson = rowPerson;
      this.digests = digests;
      this.persons = persons;
      this.personRaw = personRaw;
      this.format = format;
    }

    /**
     * The normalized id of {@code person}, which ranks its groups on every path (a database can
     * compute it, not the pseudonym).
     */
    String rankId(int person) {
      return Pseudonymizer.normalize(personRaw[person], format);
    }

    DigestTable table() {
      DigestTable t = table;
      if (t == null) {
        synchronized (this) {
          t = table;
          if (t == null) {
            t = new DigestTable(digests, persons);
            for (int p = 0; p < persons; p++) {
              t.insert(p);
            }
            table = t;
          }
        }
      }
      return t;
    }

    /** For each person of {@code other}, this one's code of the same pseudonym, or -1. */
    int[] mapFrom(Ids other) {
      try {
        return joins.get(
            other,
            () -> {
              DigestTable t = table();
              int[] out = new int[other.persons];
              for (int p = 0; p < other.persons; p++) {
                out[p] = t.find(other.digests, p);
              }
              return out;
            });
      } catch (ExecutionException e) {
        throw new IllegalStateException("join map failed", e.getCause());
      }
    }

    String pseudonym(int person) {
      return ColumnarExecutor.pseudonym(digests, person);
    }
  }

  /** The pseudonym (64 lower-case hexadecimal digits) of {@code person}'s four-long digest. */
  static String pseudonym(long[] digests, int person) {
    byte[] text = new byte[64];
    for (int k = 0; k < 4; k++) {
      long v = digests[4 * person + k];
      for (int j = 15; j >= 0; j--) {
        text[16 * k + j] = HEX_DIGITS[(int) (v & 0xF)];
        v >>>= 4;
      }
    }
    return new String(text, StandardCharsets.ISO_8859_1);
  }

  private static final byte[] HEX_DIGITS = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  /** Open addressing over persons' digests: the code of a pseudonym. */
  static final class DigestTable {
    private final long[] digests;
    private final int[] slots;
    private final int mask;

    DigestTable(long[] digests, int capacity) {
      this.digests = digests;
      int size = Integer.highestOneBit(Math.max(4, capacity) * 2) * 2;
      this.slots = new int[size];
      Arrays.fill(slots, -1);
      this.mask = size - 1;
    }

    /** Inserts person {@code p} if no person with its digest is present; returns the holder. */
    int insert(int p) {
      for (int s = slot(digests, p); ; s = (s + 1) & mask) {
        int e = slots[s];
        if (e < 0) {
          slots[s] = p;
          return p;
        }
        if (same(digests, e, digests, p)) {
          return e;
        }
      }
    }

    int find(long[] other, int p) {
      for (int s = slot(other, p); ; s = (s + 1) & mask) {
        int e = slots[s];
        if (e < 0) {
          return -1;
        }
        if (same(digests, e, other, p)) {
          return e;
        }
      }
    }

    private int slot(long[] d, int p) {
      long h = d[4 * p] * 0x9E3779B97F4A7C15L;
      return (int) (h >>> 33) & mask;
    }

    private static boolean same(long[] a, int i, long[] b, int j) {
      return a[4 * i] == b[4 * j]
          && a[4 * i + 1] == b[4 * j + 1]
          && a[4 * i + 2] == b[4 * j + 2]
          && a[4 * i + 3] == b[4 * j + 3];
    }
  }

  private Ids ids(Plan.DatasetPlan dp) {
    DataSource source = dp.dataset().source();
    String key = roomTag + "|" + source.version().orElseThrow() + "|" + dp.dataset().userIdFormat();
    try {
      Map<String, Ids> perSource = IDS.get(source, HashMap::new);
      synchronized (perSource) {
        Ids ids = perSource.get(key);
        if (ids == null) {
          ids = encode(dp);
          perSource.put(key, ids);
        }
        return ids;
      }
    } catch (ExecutionException e) {
      throw new IllegalStateException("id cache failed", e.getCause());
    }
  }

  private Ids encode(Plan.DatasetPlan dp) {
    DataSource source = dp.dataset().source();
    String userCol = dp.dataset().userIdColumn();
    int rows = rowCount(source);
    int[] rowRaw = new int[rows];
    Map<String, Integer> rawCodes = new HashMap<>();
    List<String> raws = new ArrayList<>();
    int at = 0;
    try (Scan scan = source.scan(new ScanRequest(List.of(userCol), Set.of(), List.of(), BATCH))) {
      interrupts.check();
      for (Optional<ColumnBatch> next = scan.next(); next.isPresent(); next = scan.next()) {
        ColumnBatch batch = next.get();
        interrupts.check();
        String[] ids = idStrings(batch);
        for (int r = 0; r < batch.rowCount(); r++) {
          if ((r & Interrupts.CHECK_MASK) == Interrupts.CHECK_MASK) {
            interrupts.check();
          }
          Integer code = rawCodes.putIfAbsent(ids[r], raws.size());
          if (code == null) {
            code = raws.size();
            raws.add(ids[r]);
          }
          rowRaw[at++] = code;
        }
        interrupts.rowsRead(batch.rowCount());
        interrupts.check(); // before the next batch is asked for
      }
    }
    UserIdFormat format = dp.dataset().userIdFormat();
    long[] rawDigests = new long[4 * raws.size()];
    boolean[] invalid = new boolean[raws.size()];
    IntStream.range(0, raws.size())
        .parallel()
        .forEach(
            i -> {
              if (interrupts.stopped()) {
                return; // checked below: the rest of the ids is not worth hashing
              }
              try {
                String pid = pseudonymizer.pseudonymize(raws.get(i), format);
                for (int k = 0; k < 4; k++) {
                  rawDigests[4 * i + k] =
                      Long.parseUnsignedLong(pid.substring(16 * k, 16 * k + 16), 16);
                }
              } catch (IllegalArgumentException e) {
                invalid[i] = true;
              }
            });
    interrupts.check();
    // Distinct raw ids may share a pseudonym (an e-mail address in two cases): one person.
    DigestTable table = new DigestTable(rawDigests, raws.size());
    int[] rawPerson = new int[raws.size()];
    int[] holderPerson = new int[raws.size()];
    String[] personRaw = new String[raws.size()];
    long[] digests = new long[4 * raws.size()];
    int persons = 0;
    for (int i = 0; i < raws.size(); i++) {
      if (invalid[i]) {
        rawPerson[i] = -1;
        continue;
      }
      int holder = table.insert(i);
      if (holder == i) {
        holderPerson[i] = persons;
        personRaw[persons] = raws.get(i);
        System.arraycopy(rawDigests, 4 * i, digests, 4 * persons, 4);
        persons++;
      }
      rawPerson[i] = holderPerson[holder];
    }
    for (int r = 0; r < rows; r++) {
      rowRaw[r] = rawPerson[rowRaw[r]];
    }
    return new Ids(
        rowRaw,
        Arrays.copyOf(digests, 4 * persons),
        persons,
        Arrays.copyOf(personRaw, persons),
        format);
  }

  private static String[] idStrings(ColumnBatch batch) {
    if (batch.columns().get(0).type() == ColumnType.LONG) {
      long[] l = batch.longs(0);
      String[] s = new String[batch.rowCount()];
      for (int r = 0; r < s.length; r++) {
        s[r] = Long.toString(l[r]);
      }
      return s;
    }
    return batch.strings(0);
  }

  /** The exact row count that a resident source declares (see {@link ExecutionPaths}). */
  private static int rowCount(DataSource s) {
    return Math.toIntExact(s.estimatedRows().orElseThrow());
  }

  /**
   * One dataset's rows, reduced: per person totals, and for the grouped dataset its joined rows.
   */
  private static final class Side {
    Ids ids;
    int[] toBase;
    int[] rows;
    ExactTotals[] sums;
    UnitTotals[] units;
    long[][] values;
    int[] fromBase;
  }

  /** The joined rows of the grouped dataset, ordered by person. */
  private static final class GroupedRows {
    int count;
    int[] person = new int[1024];
    int[] group = new int[1024];
    double[][] value;

    GroupedRows(int metrics) {
      value = new double[metrics][1024];
    }

    void add(int p, int g) {
      if (count == person.length) {
        int n = count * 2;
        person = Arrays.copyOf(person, n);
        group = Arrays.copyOf(group, n);
        for (int m = 0; m < value.length; m++) {
          value[m] = Arrays.copyOf(value[m], n);
        }
      }
      person[count] = p;
      group[count] = g;
      count++;
    }
  }

  /** Group values seen in a query, each with a dense id. */
  private static final class GroupIds {
    final ColumnType type;
    final Map<Object, Integer> ids = new HashMap<>();
    final List<Object> values = new ArrayList<>();
    private long[] longKeys = new long[256];
    private int[] longIds = new int[256];
    private boolean[] used = new boolean[256];
    private int longCount;

    /** Dense ids of small non-negative whole numbers (campaign ids, codes), without hashing. */
    private final int[] small = new int[1024];

    GroupIds(ColumnType type) {
      this.type = type;
      Arrays.fill(small, -1);
    }

    int ofString(String s) {
      Integer id = ids.putIfAbsent(s, values.size());
      if (id == null) {
        values.add(s);
        return values.size() - 1;
      }
      return id;
    }

    int ofLong(long v) {
      if (type == ColumnType.LONG && v >= 0 && v < small.length) {
        int id = small[(int) v];
        if (id < 0) {
          id = values.size();
          small[(int) v] = id;
          values.add(v);
        }
        return id;
      }
      int mask = longKeys.length - 1;
      for (int s = (int) ((v * 0x9E3779B97F4A7C15L) >>> 40) & mask; ; s = (s + 1) & mask) {
        if (!used[s]) {
          used[s] = true;
          longKeys[s] = v;
          longIds[s] = values.size();
          values.add(type == ColumnType.LONG ? (Object) v : (Object) Double.longBitsToDouble(v));
          if (++longCount * 2 > longKeys.length) {
            grow();
          }
          return values.size() - 1;
        }
        if (longKeys[s] == v) {
          return longIds[s];
        }
      }
    }

    private void grow() {
      long[] k = longKeys;
      int[] id = longIds;
      boolean[] u = used;
      longKeys = new long[k.length * 2];
      longIds = new int[k.length * 2];
      used = new boolean[k.length * 2];
      int mask = longKeys.length - 1;
      for (int i = 0; i < k.length; i++) {
        if (u[i]) {
          int s = (int) ((k[i] * 0x9E3779B97F4A7C15L) >>> 40) & mask;
          while (used[s]) {
            s = (s + 1) & mask;
          }
          used[s] = true;
          longKeys[s] = k[i];
          longIds[s] = id[i];
        }
      }
    }
  }

  /** The groups of a plan on the columnar path, as the streaming path would build them. */
  Map<List<Object>, Executor.GroupState> aggregate(Plan plan) {
    int n = plan.datasets().size();
    int grouped = plan.groupBy().isEmpty() ? -1 : plan.groupBy().get(0).dataset();
    Side[] sides = new Side[n];
    for (int i = 0; i < n; i++) {
      sides[i] = new Side();
      sides[i].ids = ids(plan.datasets().get(i));
    }
    int basePersons = sides[0].ids.persons;
    for (int i = 0; i < n; i++) {
      Side s = sides[i];
      s.toBase = i == 0 ? null : sides[0].ids.mapFrom(s.ids);
    }
    // Per-person totals of every dataset (the grouped one too: its row counts and presence).
    GroupedRows groupedRows = null;
    GroupIds groupIds = null;
    for (int i = 0; i < n; i++) {
      if (i == grouped) {
        continue;
      }
      scanTotals(plan.datasets().get(i), RowUnits.of(plan, i), sides[i]);
    }
    boolean[] joined = new boolean[basePersons];
    Arrays.fill(joined, true);
    for (int i = 0; i < n; i++) {
      if (i == grouped) {
        continue;
      }
      Side s = sides[i];
      s.fromBase = new int[basePersons];
      Arrays.fill(s.fromBase, -1);
      for (int p = 0; p < s.ids.persons; p++) {
        int b = i == 0 ? p : s.toBase[p];
        if (b >= 0 && s.rows[p] > 0) {
          s.fromBase[b] = p;
        }
      }
      for (int b = 0; b < basePersons; b++) {
        joined[b] &= s.fromBase[b] >= 0;
      }
    }
    if (grouped >= 0) {
      Plan.DatasetPlan gp = plan.datasets().get(grouped);
      groupIds = new GroupIds(plan.groupBy().get(0).type());
      groupedRows = new GroupedRows(gp.metrics().size());
      scanGrouped(gp, sides[grouped], joined, groupIds, groupedRows);
    }
    return bound(plan, sides, joined, grouped, groupIds, groupedRows);
  }

  /** The scan columns without the user id, unless the dataset's own conditions read it. */
  private static List<String> columnsOf(Plan.DatasetPlan dp) {
    List<String> cols = dp.scanColumns();
    if (!dp.sourceFilter().isEmpty() || cols.size() == 1) {
      return cols;
    }
    return cols.subList(1, cols.size());
  }

  /**
   * What a scan of one side hands on: each batch, then each of its rows that passes the dataset's
   * own conditions and belongs to a person, with the batch's metric values as doubles.
   */
  private interface RowVisitor {
    /** A new batch, whose columns are the scan's, {@code shift} before the plan's slots. */
    default void batch(ColumnBatch batch, int shift) {}

    /** Row {@code r} of the batch, of person {@code person} of the side. */
    void row(int r, int person, double[][] metricValues);
  }

  /** Scans one side's dataset and hands each row that passes and has a person to {@code v}. */
  private void scanRows(Plan.DatasetPlan dp, Side side, RowVisitor v) {
    List<String> cols = columnsOf(dp);
    int shift = cols.size() == dp.scanColumns().size() ? 0 : 1;
    int metrics = dp.metrics().size();
    int[] rowPerson = side.ids.rowPerson;
    boolean filtered = !dp.sourceFilter().isEmpty();
    Executor.BatchRow row = new Executor.BatchRow();
    int at = 0;
    try (Scan scan = dp.dataset().source().scan(request(dp, cols))) {
      interrupts.check();
      for (Optional<ColumnBatch> next = scan.next(); next.isPresent(); next = scan.next()) {
        ColumnBatch batch = next.get();
        interrupts.check();
        row.batch = batch;
        double[][] metricValues = new double[metrics][];
        for (int m = 0; m < metrics; m++) {
          metricValues[m] = asDoubles(batch, dp.metricSlots()[m] - shift);
        }
        v.batch(batch, shift);
        int k = batch.rowCount();
        for (int r = 0; r < k; r++) {
          if ((r & Interrupts.CHECK_MASK) == Interrupts.CHECK_MASK) {
            interrupts.check();
          }
          if (filtered) {
            row.row = r;
            if (!dp.local().test(row)) {
              continue;
            }
          }
          int p = rowPerson[at + r];
          if (p >= 0) { // an id not of its format belongs to no person, on every path
            v.row(r, p, metricValues);
          }
        }
        at += k;
        interrupts.rowsRead(k);
        interrupts.check(); // before the next batch is asked for
      }
    }
  }

  private void scanTotals(Plan.DatasetPlan dp, RowUnits slots, Side side) {
    int metrics = dp.metrics().size();
    int persons = side.ids.persons;
    side.rows = new int[persons];
    side.sums = totals(metrics, persons);
    side.units = unitTotals(slots.size(), persons);
    side.values = new long[metrics][persons];
    scanRows(
        dp,
        side,
        (r, p, metricValues) -> {
          side.rows[p]++;
          for (int m = 0; m < metrics; m++) {
            double v = metricValues[m][r];
            // NaN is a missing value: it is dropped, neither counted nor summed.
            if (!Double.isNaN(v)) {
              double clamped = ContributionBounding.clamp(v, dp.valueBounds().get(m));
              side.sums[m].add(p, clamped);
              side.values[m][p]++;
              for (int s = 0; s < slots.size(); s++) {
                if (slots.metric(s) == m) {
                  slots.add(side.units[s], p, s, clamped);
                }
              }
            }
          }
        });
  }

  private void scanGrouped(
      Plan.DatasetPlan dp, Side side, boolean[] joined, GroupIds groupIds, GroupedRows out) {
    int metrics = dp.metrics().size();
    side.rows = new int[side.ids.persons];
    scanRows(
        dp,
        side,
        new RowVisitor() {
          private String[] gs;
          private long[] gl;
          private double[] gd;

          @Override
          public void batch(ColumnBatch batch, int shift) {
            int groupSlot = dp.projectionSlots()[0] - shift;
            ColumnType gt = batch.columns().get(groupSlot).type();
            gs = gt == ColumnType.STRING ? batch.strings(groupSlot) : null;
            gl = gt == ColumnType.LONG ? batch.longs(groupSlot) : null;
            gd = gt == ColumnType.DOUBLE ? batch.doubles(groupSlot) : null;
          }

          @Override
          public void row(int r, int own, double[][] metricValues) {
            int b = side.toBase == null ? own : side.toBase[own];
            if (b < 0 || !joined[b]) {
              return;
            }
            int g =
                gs != null
                    ? groupIds.ofString(gs[r])
                    : gl != null
                        ? groupIds.ofLong(gl[r])
                        // Adding 0.0 turns -0.0 into 0.0, so both zeros are one group.
                        : groupIds.ofLong(Double.doubleToLongBits(gd[r] + 0.0));
            int slot = out.count;
            out.add(b, g);
            for (int m = 0; m < metrics; m++) {
              double v = metricValues[m][r];
              out.value[m][slot] =
                  Double.isNaN(v) ? v : ContributionBounding.clamp(v, dp.valueBounds().get(m));
            }
          }
        });
  }

  private static ScanRequest request(Plan.DatasetPlan dp, List<String> cols) {
    return new ScanRequest(cols, Set.of(), dp.sourceFilter(), BATCH);
  }

  private static double[] asDoubles(ColumnBatch batch, int slot) {
    if (batch.columns().get(slot).type() == ColumnType.DOUBLE) {
      return batch.doubles(slot);
    }
    long[] l = batch.longs(slot);
    double[] d = new double[batch.rowCount()];
    for (int r = 0; r < d.length; r++) {
      d[r] = l[r];
    }
    return d;
  }

  private Map<List<Object>, Executor.GroupState> bound(
      Plan plan, Side[] sides, boolean[] joined, int grouped, GroupIds groupIds, GroupedRows rows) {
    int aggregates = plan.aggregates().size();
    int basePersons = sides[0].ids.persons;
    int groups = grouped < 0 ? 1 : groupIds.values.size();
    ContributionBounder.GroupTotals total = new ContributionBounder.GroupTotals(plan);
    for (int g = 0; g < groups; g++) {
      // Dense ids in the order of groupIds: id(key) hands out g.
      total.id(grouped < 0 ? List.of() : List.of(groupIds.values.get(g)));
    }
    int[] start = new int[basePersons + 1];
    int[] order = new int[rows == null ? 0 : rows.count];
    if (rows != null) {
      // A stable counting sort by person: each person's rows stay in scan order.
      for (int i = 0; i < rows.count; i++) {
        start[rows.person[i] + 1]++;
      }
      for (int b = 0; b < basePersons; b++) {
        start[b + 1] += start[b];
      }
      int[] fill = Arrays.copyOf(start, basePersons);
      for (int i = 0; i < rows.count; i++) {
        order[fill[rows.person[i]]++] = i;
      }
      // Lay the rows out in person order, so that bounding reads them sequentially.
      int[] group = new int[rows.count];
      double[][] value = new double[rows.value.length][rows.count];
      for (int j = 0; j < rows.count; j++) {
        int i = order[j];
        group[j] = rows.group[i];
        for (int m = 0; m < value.length; m++) {
          value[m][j] = rows.value[m][i];
        }
      }
      rows.group = group;
      rows.value = value;
      rows.person = null;
    }
    int threads =
        Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), basePersons / 20_000));
    List<CompletableFuture<ContributionBounder.GroupTotals>> parts = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int lo = (int) ((long) basePersons * t / threads);
      int hi = (int) ((long) basePersons * (t + 1) / threads);
      ContributionBounder.GroupTotals part = total.sibling();
      parts.add(
          CompletableFuture.supplyAsync(
              () -> boundRange(plan, sides, joined, grouped, rows, start, groups, lo, hi, part)));
    }
    for (CompletableFuture<ContributionBounder.GroupTotals> f : parts) {
      try {
        total.merge(f.join());
      } catch (CompletionException e) {
        if (e.getCause() instanceof QueryCancelledException q) {
          throw q;
        }
        throw e;
      }
    }
    return total.byKey();
  }

  /**
   * Hands each joined person of {@code [lo, hi)} to the one {@link ContributionBounder}: the
   * person's groups with their row counts and metric totals, read from the columnar sides.
   */
  private ContributionBounder.GroupTotals boundRange(
      Plan plan,
      Side[] sides,
      boolean[] joined,
      int grouped,
      GroupedRows rows,
      int[] start,
      int groups,
      int lo,
      int hi,
      ContributionBounder.GroupTotals acc) {
    ContributionBounder bounder = new ContributionBounder(plan, rank, peopleHash);
    IntFunction<String> rankIds = sides[0].ids::rankId;
    int aggregates = plan.aggregates().size();
    int metrics = rows == null ? 0 : rows.value.length;
    int[] slotOf = new int[groups];
    Arrays.fill(slotOf, -1);
    int cap = Math.min(groups, 1024);
    int[] distinct = new int[cap];
    long[] groupRows = new long[cap];
    ExactTotals[] groupSums = totals(metrics, cap);
    RowUnits groupedSlots = grouped < 0 ? RowUnits.of(plan, -1) : RowUnits.of(plan, grouped);
    UnitTotals[] groupUnits = unitTotals(groupedSlots.size(), cap);
    long[][] groupValues = new long[metrics][cap];
    ExactTotals[] sums = totals(aggregates, cap);
    UnitTotals[] units = unitTotals(aggregates, cap);
    int[] unitSlot = new int[aggregates];
    for (int a = 0; a < aggregates; a++) {
      int ds = plan.aggregates().get(a).dataset();
      unitSlot[a] = ds < 0 ? -1 : RowUnits.of(plan, ds).slotOf(a);
    }
    long[][] values = new long[aggregates][cap];
    for (int b = lo; b < hi; b++) {
      if (((b - lo) & Interrupts.CHECK_MASK) == Interrupts.CHECK_MASK) {
        interrupts.check();
      }
      if (!joined[b]) {
        continue;
      }
      int d = 0;
      if (rows == null) {
        distinct[0] = 0;
        d = 1;
      } else {
        for (int i = start[b]; i < start[b + 1]; i++) {
          int g = rows.group[i];
          int s = slotOf[g];
          if (s < 0) {
            if (d == distinct.length) {
              int n = Math.min(groups, d * 2);
              distinct = Arrays.copyOf(distinct, n);
              groupRows = Arrays.copyOf(groupRows, n);
              for (UnitTotals u : groupUnits) {
                u.ensureCapacity(n);
              }
              for (int m = 0; m < metrics; m++) {
                groupSums[m].ensureCapacity(n);
                groupValues[m] = Arrays.copyOf(groupValues[m], n);
              }
              for (int a = 0; a < aggregates; a++) {
                units[a].ensureCapacity(n);
                sums[a].ensureCapacity(n);
                values[a] = Arrays.copyOf(values[a], n);
              }
            }
            s = d++;
            slotOf[g] = s;
            distinct[s] = g;
            groupRows[s] = 0;
            for (UnitTotals u : groupUnits) {
              u.clear(s);
            }
            for (int m = 0; m < metrics; m++) {
              groupSums[m].clear(s);
              groupValues[m][s] = 0;
            }
          }
          groupRows[s]++;
          for (int m = 0; m < metrics; m++) {
            double v = rows.value[m][i];
            if (!Double.isNaN(v)) {
              groupSums[m].add(s, v);
              groupValues[m][s]++;
              for (int u = 0; u < groupedSlots.size(); u++) {
                if (groupedSlots.metric(u) == m) {
                  groupedSlots.add(groupUnits[u], s, u, v);
                }
              }
            }
          }
        }
        for (int s = 0; s < d; s++) {
          slotOf[distinct[s]] = -1;
        }
      }
      if (grouped != 0) {
        // count() counts the first dataset's rows: the grouped rows' own when it is grouped,
        // else the person's total in it, the same in every group.
        long firstRows = sides[0].rows[sides[0].fromBase[b]];
        for (int s = 0; s < d; s++) {
          groupRows[s] = firstRows;
        }
      }
      for (int a = 0; a < aggregates; a++) {
        Plan.AggregatePlan ap = plan.aggregates().get(a);
        int ds = ap.dataset();
        if (ds < 0) {
          continue;
        }
        int m = ap.metricIndex();
        for (int s = 0; s < d; s++) {
          units[a].clear(s);
          if (ds == grouped) {
            if (unitSlot[a] >= 0) {
              units[a].addTotal(s, groupUnits[unitSlot[a]], s);
            }
            sums[a].clear(s);
            sums[a].addTotal(s, groupSums[m], s);
            values[a][s] = groupValues[m][s];
          } else {
            int pc = sides[ds].fromBase[b];
            if (unitSlot[a] >= 0) {
              units[a].addTotal(s, sides[ds].units[unitSlot[a]], pc);
            }
            sums[a].clear(s);
            sums[a].addTotal(s, sides[ds].sums[m], pc);
            values[a][s] = sides[ds].values[m][pc];
          }
        }
      }
      bounder.person(b, rankIds, d, distinct, groupRows, sums, units, values, acc);
    }
    return acc;
  }

  /** {@code n} arrays of {@code capacity} zero unit totals. */
  private static UnitTotals[] unitTotals(int n, int capacity) {
    UnitTotals[] out = new UnitTotals[n];
    for (int i = 0; i < n; i++) {
      out[i] = new UnitTotals(capacity);
    }
    return out;
  }

  /** {@code n} arrays of {@code capacity} zero totals. */
  private static ExactTotals[] totals(int n, int capacity) {
    ExactTotals[] out = new ExactTotals[n];
    for (int i = 0; i < n; i++) {
      out[i] = new ExactTotals(capacity);
    }
    return out;
  }
}
