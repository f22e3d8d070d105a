package dev.cleanroom.internal.execution;

import dev.cleanroom.ColumnType;
import dev.cleanroom.DataSourceException;
import dev.cleanroom.dp.KeyedRank;
import dev.cleanroom.dp.UnitTotals;
import dev.cleanroom.internal.plan.ExecutionPaths;
import dev.cleanroom.internal.plan.Plan;
import dev.cleanroom.internal.plan.Predicates;
import dev.cleanroom.internal.plan.ResolvedColumn;
import dev.cleanroom.internal.value.TimeBuckets;
import dev.cleanroom.pseudonymization.Pseudonymizer;
import dev.cleanroom.query.ExecutionPath;
import dev.cleanroom.query.TimeBucket;
import dev.cleanroom.spi.ColumnBatch;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Runs a checked {@link Plan}: scans each dataset into per-person partial aggregates (so memory
 * grows with people × groups, not rows), joins on the pseudonymized user id, bounds each person's
 * contribution, aggregates per group, and drops every group with fewer than k distinct users. Joins
 * any number of datasets. When the plan has difference checks, it also returns the people of each
 * released row as {@link PeopleHash} values for {@link
 * dev.cleanroom.internal.release.DifferenceChecks}, on every path (a pushed-down statement hashes
 * them in the database).
 */
public final class Executor {
  private final Pseudonymizer pseudonymizer;
  private final PersonCodeCache personCodes;
  private final KeyedRank rank;
  private final PeopleHash peopleHash;
  private final Interrupts interrupts;

  /** For tests: the number of ranges a columnar scan of resident data is split into; 0 decides. */
  int columnarPartsForTesting;

  /**
   * For tests: the persons per bucket of a columnar scan's per-person totals, as a power of two; -1
   * decides.
   */
  int columnarBucketBitsForTesting = -1;

  /**
   * An executor whose runs are never interrupted.
   *
   * @param pseudonymizer pseudonymizes the ids of streamed sources
   * @param rank the query's keyed rank for the choice of groups
   * @param peopleHash the keyed hash of a person, for the people of each released row when the plan
   *     has difference checks
   */
  public Executor(Pseudonymizer pseudonymizer, KeyedRank rank, PeopleHash peopleHash) {
    this(pseudonymizer, rank, peopleHash, Interrupts.NONE);
  }

  /**
   * An executor for one run.
   *
   * @param pseudonymizer pseudonymizes the ids of streamed sources
   * @param rank the query's keyed rank for the choice of groups
   * @param peopleHash the keyed hash of a person, for the people of each released row when the plan
   *     has difference checks
   * @param interrupts the run's cancellation, timeout and progress, which every path obeys and
   *     reports to
   */
  public Executor(
      Pseudonymizer pseudonymizer, KeyedRank rank, PeopleHash peopleHash, Interrupts interrupts) {
    this(pseudonymizer, PersonCodeCache.of(pseudonymizer), rank, peopleHash, interrupts);
  }

  /**
   * An executor for one run of a room, which keeps the person codes that the columnar path makes in
   * {@code personCodes} for as long as the room (or another with its key) lives.
   *
   * @param pseudonymizer pseudonymizes the ids of streamed sources
   * @param personCodes the room key's cache of person codes ({@link PersonCodeCache#of})
   * @param rank the query's keyed rank for the choice of groups
   * @param peopleHash the keyed hash of a person, for the people of each released row when the plan
   *     has difference checks
   * @param interrupts the run's cancellation, timeout and progress, which every path obeys and
   *     reports to
   */
  public Executor(
      Pseudonymizer pseudonymizer,
      PersonCodeCache personCodes,
      KeyedRank rank,
      PeopleHash peopleHash,
      Interrupts interrupts) {
    this.pseudonymizer = pseudonymizer;
    this.personCodes = personCodes;
    this.rank = rank;
    this.peopleHash = peopleHash;
    this.interrupts = interrupts;
  }

  /**
   * One person's rows of one dataset that share a projection: counts, metric totals and, for a
   * noisy plan, the unit totals of each {@link RowUnits} slot.
   */
  static final class Partial {
    long rows;
    final UnitTotals units;
    final long[] values;

    Partial(int metrics, int slots) {
      units = new UnitTotals(slots);
      values = new long[metrics];
    }
  }

  /** A group's running aggregates. */
  public static final class GroupState {
    public long users;
    public long count;
    public final double[] sums;
    public final BigInteger[] units;

    /**
     * Per aggregate of a variance or standard deviation, the exact sum of squares of the people's
     * clamped totals in units (zero for the other aggregates); in threshold mode {@link #sums}
     * holds the exact variance or standard deviation itself.
     */
    public final BigInteger[] squares;

    /**
     * Per aggregate of a quantile, the clamped totals of the group's people, in no particular order
     * (empty for the other aggregates); in threshold mode {@link #sums} holds the exact quantile.
     * Read only by the release stage, never released.
     */
    public final double[][] values;

    public final long[] people;
    public long[] members = new long[0];
    public int memberCount;

    public GroupState(int aggregates) {
      sums = new double[aggregates];
      units = new BigInteger[aggregates];
      Arrays.fill(units, BigInteger.ZERO);
      squares = new BigInteger[aggregates];
      Arrays.fill(squares, BigInteger.ZERO);
      values = new double[aggregates][];
      Arrays.fill(values, new double[0]);
      people = new long[aggregates];
    }

    void addMember(long hash) {
      if (memberCount == members.length) {
        members = Arrays.copyOf(members, Math.max(8, members.length * 2));
      }
      members[memberCount++] = hash;
    }
  }

  /**
   * The groups' exact aggregates, before threshold and noise, computed on the path that the plan
   * decided (see {@link ExecutionPaths}).
   */
  public Map<List<Object>, GroupState> groups(Plan plan) {
    return switch (plan.path().kind()) {
      case PUSHED_DOWN -> pushedDown(plan, new Pushdown(plan));
      case COLUMNAR ->
          new ColumnarExecutor(pseudonymizer, personCodes, rank, peopleHash, interrupts)
              .parts(columnarPartsForTesting)
              .bucketBits(columnarBucketBitsForTesting)
              .aggregate(plan);
      case STREAMED -> {
        Accumulator acc = new Accumulator(plan);
        new StreamingJoin(pseudonymizer, interrupts).run(plan, -1, (raw, p) -> {}, acc);
        yield acc.totals.byKey();
      }
    };
  }

  /**
   * A cohort before release: its size in distinct people, and the ids of one dataset's people in
   * it, as that dataset holds them.
   */
  public record Cohort(int people, Set<String> rawIds) {}

  /**
   * The people who pass every dataset's filters, are in every dataset and pass the conditions
   * across datasets, with the raw ids that dataset {@code receiver} holds for them, on the path the
   * plan decided. Pushed down, the statement counts the people in the database and returns the
   * receiver's ids only for a cohort of at least {@code minPeople}: no id crosses the wire for one
   * that is smaller. The caller checks the size in every case.
   */
  public Cohort cohort(Plan plan, int receiver, int minPeople) {
    if (plan.path().kind() == ExecutionPath.Kind.PUSHED_DOWN) {
      return new Pushdown(plan).cohort(receiver, minPeople, interrupts);
    }
    Map<Integer, Set<String>> receiverIds = new HashMap<>();
    Set<Integer> members = new HashSet<>();
    ComboRow comboRow = new ComboRow(plan.datasets().size());
    new StreamingJoin(pseudonymizer, interrupts)
        .run(
            plan,
            receiver,
            (raw, p) -> receiverIds.computeIfAbsent(p, x -> new HashSet<>()).add(raw),
            (p, rankId, parts) -> {
              if (!plan.crossConditions() || !contributions(plan, parts, comboRow).isEmpty()) {
                members.add(p);
              }
            });
    Set<String> raw = new HashSet<>();
    for (int p : members) {
      raw.addAll(receiverIds.getOrDefault(p, Set.of()));
    }
    return new Cohort(members.size(), raw);
  }

  /**
   * The groups as the database aggregated them: one row per group crossed the wire, and for a
   * quantile one row per group and distinct clamped total, with its number of people.
   */
  private Map<List<Object>, GroupState> pushedDown(Plan plan, Pushdown pushdown) {
    int aggregates = plan.aggregates().size();
    Map<List<Object>, BigDecimal[]> sums = new HashMap<>();
    Map<List<Object>, long[]> people = new HashMap<>();
    Map<List<Object>, double[][]> quantiles = new HashMap<>();
    Map<List<Object>, long[]> counts =
        pushdown.run(rank.saltHex(), peopleHash.keyHex(), sums, people, quantiles, interrupts);
    boolean units = plan.noise().isPresent();
    Map<List<Object>, GroupState> groups = new HashMap<>();
    for (Map.Entry<List<Object>, long[]> e : counts.entrySet()) {
      GroupState s = new GroupState(aggregates);
      long[] c = e.getValue();
      BigDecimal[] v = sums.get(e.getKey());
      s.users = c[0];
      s.count = c[1];
      long[] members = people.get(e.getKey());
      if (members != null) {
        s.members = members;
        s.memberCount = members.length;
      }
      double[][] totals = quantiles.get(e.getKey());
      for (int a = 0; a < aggregates; a++) {
        s.people[a] = c[2 + a];
        if (totals != null && totals[a] != null) {
          s.values[a] = totals[a];
        }
        if (v[a] == null) {
          continue; // a count: no metric
        }
        s.units[a] = v[a].setScale(0, RoundingMode.HALF_EVEN).toBigInteger();
        if (v[aggregates + a] != null) {
          s.squares[a] = v[aggregates + a].toBigIntegerExact();
        }
        if (!units) {
          // A threshold-mode sum came back as exact units of its fine quantum: rounded once.
          s.sums[a] = ContributionBounder.exactValue(plan, a, s);
        }
      }
      groups.put(e.getKey(), s);
    }
    return groups;
  }

  static void checkColumns(ColumnBatch batch, Plan.DatasetPlan dp) {
    if (batch.columns().size() != dp.scanColumns().size()) {
      throw new DataSourceException(
          dp.dataset().source().name(), "returned a batch with other columns than requested", null);
    }
    for (int i = 0; i < dp.scanColumns().size(); i++) {
      var c = batch.columns().get(i);
      var declared = dp.dataset().schema().column(dp.scanColumns().get(i)).orElseThrow();
      if (!c.equals(declared)) {
        throw new DataSourceException(
            dp.dataset().source().name(),
            -1,
            declared.name(),
            "returned a batch whose column differs from its schema",
            null);
      }
    }
  }

  static double value(ColumnBatch batch, int slot, int row) {
    return batch.columns().get(slot).type() == ColumnType.LONG
        ? batch.longs(slot)[row]
        : batch.doubles(slot)[row];
  }

  /**
   * Row {@code row}'s values of the projected {@code columns}, read from scan slots {@code slots};
   * a time bucket's value is its first day ({@link TimeBuckets}).
   */
  static List<Object> projectionKey(
      ColumnBatch batch, int[] slots, List<ResolvedColumn> columns, int row) {
    if (slots.length == 0) {
      return List.of();
    }
    Object[] values = new Object[slots.length];
    for (int i = 0; i < slots.length; i++) {
      int s = slots[i];
      Optional<TimeBucket> bucket = columns.get(i).bucket();
      ColumnType type = batch.columns().get(s).type();
      values[i] =
          switch (type) {
            case STRING -> batch.strings(s)[row];
            case LONG, BOOLEAN -> batch.longs(s)[row];
            case DATE, TIMESTAMP ->
                bucket.isPresent()
                    ? TimeBuckets.of(bucket.get(), type, batch.longs(s)[row])
                    : batch.longs(s)[row];
            // Adding 0.0 turns -0.0 into 0.0, so both zeros are one group.
            case DOUBLE -> batch.doubles(s)[row] + 0.0;
          };
    }
    return List.of(values);
  }

  /**
   * Hands each joined person of the streamed join to the one {@link ContributionBounder}: the
   * groups the person feeds, with the person's row count and metric totals in each.
   */
  private final class Accumulator implements StreamingJoin.PersonSink {
    final ContributionBounder.GroupTotals totals;
    private final Plan plan;
    private final ContributionBounder bounder;
    private final int aggregates;
    private final ComboRow comboRow;
    private int[] group = new int[16];
    private long[] rows = new long[16];
    private final UnitTotals[] units;
    private final int[] slotOf;
    private long[][] values;

    Accumulator(Plan plan) {
      this.plan = plan;
      this.totals = new ContributionBounder.GroupTotals(plan);
      this.bounder = new ContributionBounder(plan, rank, peopleHash);
      this.aggregates = plan.aggregates().size();
      this.comboRow = new ComboRow(plan.datasets().size());
      this.units = new UnitTotals[aggregates];
      this.slotOf = new int[aggregates];
      for (int a = 0; a < aggregates; a++) {
        units[a] = new UnitTotals(16);
        int d = plan.aggregates().get(a).dataset();
        slotOf[a] = d < 0 ? -1 : RowUnits.of(plan, d).slotOf(a);
      }
      this.values = new long[aggregates][16];
    }

    @Override
    public void accept(int person, String rankId, List<Map<List<Object>, Partial>> parts) {
      Map<List<Object>, List<Set<List<Object>>>> contributions =
          contributions(plan, parts, comboRow);
      int n = contributions.size();
      if (n == 0) {
        return;
      }
      if (group.length < n) {
        int cap = Math.max(n, 2 * group.length);
        group = new int[cap];
        rows = new long[cap];
        for (int a = 0; a < aggregates; a++) {
          units[a].ensureCapacity(cap);
        }
        values = new long[aggregates][cap];
      }
      int i = 0;
      for (Map.Entry<List<Object>, List<Set<List<Object>>>> e : contributions.entrySet()) {
        group[i] = totals.id(e.getKey());
        List<Set<List<Object>>> contrib = e.getValue();
        long r = 0;
        for (List<Object> pk : contrib.get(0)) {
          r += parts.get(0).get(pk).rows;
        }
        rows[i] = r;
        for (int a = 0; a < aggregates; a++) {
          Plan.AggregatePlan ap = plan.aggregates().get(a);
          if (ap.dataset() < 0) {
            continue;
          }
          units[a].clear(i);
          long v = 0;
          for (List<Object> pk : contrib.get(ap.dataset())) {
            Partial p = parts.get(ap.dataset()).get(pk);
            if (slotOf[a] >= 0) {
              units[a].addTotal(i, p.units, slotOf[a]);
            }
            v += p.values[ap.metricIndex()];
          }
          values[a][i] = v;
        }
        i++;
      }
      bounder.person(person, p -> rankId, n, group, rows, units, values, totals);
    }
  }

  /** The groups one joined person feeds, each with the projections of every dataset behind it. */
  private static Map<List<Object>, List<Set<List<Object>>>> contributions(
      Plan plan, List<Map<List<Object>, Partial>> parts, ComboRow comboRow) {
    int n = parts.size();
    Map<List<Object>, List<Set<List<Object>>>> contributions = new HashMap<>();
    @SuppressWarnings({"unchecked", "rawtypes"})
    List<List<Object>>[] keys = new List[n];
    for (int i = 0; i < n; i++) {
      keys[i] = new ArrayList<>(parts.get(i).keySet());
    }
    enumerate(plan, keys, new int[n], 0, comboRow, contributions);
    return contributions;
  }

  /** Walks every combination of one projection per dataset and records the groups it feeds. */
  private static void enumerate(
      Plan plan,
      List<List<Object>>[] keys,
      int[] choice,
      int depth,
      ComboRow comboRow,
      Map<List<Object>, List<Set<List<Object>>>> contributions) {
    int n = keys.length;
    if (depth < n) {
      for (int c = 0; c < keys[depth].size(); c++) {
        choice[depth] = c;
        enumerate(plan, keys, choice, depth + 1, comboRow, contributions);
      }
      return;
    }
    for (int i = 0; i < n; i++) {
      comboRow.keys[i] = keys[i].get(choice[i]);
    }
    if (plan.crossConditions() && !plan.cross().test(comboRow)) {
      return;
    }
    List<ResolvedColumn> groupBy = plan.groupBy();
    Object[] g = new Object[groupBy.size()];
    for (int j = 0; j < g.length; j++) {
      ResolvedColumn rc = groupBy.get(j);
      int slot = plan.datasets().get(rc.dataset()).projection().indexOf(rc);
      g[j] = comboRow.keys[rc.dataset()].get(slot);
    }
    List<Set<List<Object>>> sets =
        contributions.computeIfAbsent(
            List.of(g),
            x -> {
              List<Set<List<Object>>> l = new ArrayList<>(n);
              for (int i = 0; i < n; i++) {
                l.add(new HashSet<>());
              }
              return l;
            });
    for (int i = 0; i < n; i++) {
      sets.get(i).add(comboRow.keys[i]);
    }
  }

  /** A row of a batch, for the dataset's own conditions. */
  static final class BatchRow implements Predicates.Row {
    ColumnBatch batch;
    int row;

    @Override
    public String str(int dataset, int slot) {
      return batch.strings(slot)[row];
    }

    @Override
    public long lng(int dataset, int slot) {
      return batch.longs(slot)[row];
    }

    @Override
    public double dbl(int dataset, int slot) {
      return batch.doubles(slot)[row];
    }
  }

  /** One projection per dataset, for conditions that read several datasets. */
  private static final class ComboRow implements Predicates.Row {
    final List<Object>[] keys;

    @SuppressWarnings({"unchecked", "rawtypes"})
    ComboRow(int n) {
      keys = new List[n];
    }

    @Override
    public String str(int dataset, int slot) {
      return (String) keys[dataset].get(slot);
    }

    @Override
    public long lng(int dataset, int slot) {
      return (Long) keys[dataset].get(slot);
    }

    @Override
    public double dbl(int dataset, int slot) {
      return (Double) keys[dataset].get(slot);
    }
  }
}
