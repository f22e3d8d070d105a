package dev.cleanroom.core.internal;

import dev.cleanroom.AggregateFunction;
import dev.cleanroom.ColumnType;
import dev.cleanroom.DataSourceException;
import dev.cleanroom.core.Pseudonymizer;
import dev.cleanroom.dp.BoundedMean;
import dev.cleanroom.dp.ConfidenceInterval;
import dev.cleanroom.dp.ContributionBounding;
import dev.cleanroom.dp.KeyedRank;
import dev.cleanroom.dp.NoiseMechanism;
import dev.cleanroom.dp.PartitionSelection;
import dev.cleanroom.query.CellNoise;
import dev.cleanroom.query.ResultColumn;
import dev.cleanroom.query.ResultRow;
import dev.cleanroom.spi.ColumnBatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.ToLongFunction;

/**
 * Runs a checked {@link Plan}: scans each dataset into per-person partial aggregates (so memory
 * grows with people × groups, not rows), joins on the pseudonymized user id, bounds each person's
 * contribution, aggregates per group, and drops every group with fewer than k distinct users. Joins
 * any number of datasets. When the plan has difference checks, it also returns the people of each
 * released row (as keyed hashes) for {@link DifferenceChecks}, and never pushes the query down.
 */
final class Executor {
  private final Pseudonymizer pseudonymizer;
  private final KeyedRank rank;
  private final ToLongFunction<String> peopleHash;

  /**
   * An executor.
   *
   * @param pseudonymizer pseudonymizes the ids of streamed sources
   * @param rank the query's keyed rank for the choice of groups
   * @param peopleHash the keyed hash of a pseudonymized id, for the people of each released row
   *     when the plan has difference checks
   */
  Executor(Pseudonymizer pseudonymizer, KeyedRank rank, ToLongFunction<String> peopleHash) {
    this.pseudonymizer = pseudonymizer;
    this.rank = rank;
    this.peopleHash = peopleHash;
  }

  /** One person's rows of one dataset that share a projection: counts and metric totals. */
  static final class Partial {
    long rows;
    final double[] sums;
    final long[] values;

    Partial(int metrics) {
      sums = new double[metrics];
      values = new long[metrics];
    }
  }

  /** A group's running aggregates. */
  static final class GroupState {
    long users;
    long count;
    final double[] sums;
    final long[] units;
    final long[] people;
    long[] members = new long[0];
    int memberCount;

    GroupState(int aggregates) {
      sums = new double[aggregates];
      units = new long[aggregates];
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
   * The released rows: group values, then aggregates.
   *
   * @param columns the output columns
   * @param rows the rows that passed the threshold, in release order
   * @param people when the plan has difference checks, the set of people of each row (sorted keyed
   *     hashes), parallel to {@code rows}; otherwise empty
   */
  record Output(List<ResultColumn> columns, List<ResultRow> rows, List<long[]> people) {}

  /** Runs {@code plan} on the path its plan decided, and releases the rows. */
  Output execute(Plan plan) {
    return release(plan, groups(plan));
  }

  /**
   * The groups' exact aggregates, before threshold and noise, computed on the path that the plan
   * decided (see {@link ExecutionPaths}).
   */
  Map<List<Object>, GroupState> groups(Plan plan) {
    return switch (plan.path().kind()) {
      case PUSHED_DOWN -> pushedDown(plan, new Pushdown(plan));
      case COLUMNAR -> new ColumnarExecutor(pseudonymizer, rank, peopleHash).aggregate(plan);
      case STREAMED -> {
        Accumulator acc = new Accumulator(plan);
        new StreamingJoin(pseudonymizer).run(plan, -1, (raw, p) -> {}, acc);
        yield acc.groups;
      }
    };
  }

  /**
   * A cohort before release: its size in distinct people, and the ids of one dataset's people in
   * it, as that dataset holds them.
   */
  record Cohort(int people, Set<String> rawIds) {}

  /**
   * The people who pass every dataset's filters, are in every dataset and pass the conditions
   * across datasets, with the raw ids that dataset {@code receiver} holds for them. Always scans in
   * the engine: raw ids never come out of a pushed-down statement.
   */
  Cohort cohort(Plan plan, int receiver) {
    Map<Integer, Set<String>> receiverIds = new HashMap<>();
    Set<Integer> members = new HashSet<>();
    ComboRow comboRow = new ComboRow(plan.datasets().size());
    new StreamingJoin(pseudonymizer)
        .run(
            plan,
            receiver,
            (raw, p) -> receiverIds.computeIfAbsent(p, x -> new HashSet<>()).add(raw),
            (p, pid, parts) -> {
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

  /** The groups as the database aggregated them: one row per group crossed the wire. */
  private Map<List<Object>, GroupState> pushedDown(Plan plan, Pushdown pushdown) {
    int aggregates = plan.aggregates().size();
    Map<List<Object>, double[]> sums = new HashMap<>();
    Map<List<Object>, long[]> counts = pushdown.run(rank.saltHex(), sums);
    double[] granularity = plan.noise().map(NoisePlan::granularities).orElse(null);
    Map<List<Object>, GroupState> groups = new HashMap<>();
    for (Map.Entry<List<Object>, long[]> e : counts.entrySet()) {
      GroupState s = new GroupState(aggregates);
      long[] c = e.getValue();
      double[] v = sums.get(e.getKey());
      s.users = c[0];
      s.count = c[1];
      for (int a = 0; a < aggregates; a++) {
        s.people[a] = c[2 + a];
        if (granularity != null) {
          s.units[a] = Math.round(v[a]);
          s.sums[a] = s.units[a] * granularity[a];
        } else {
          s.sums[a] = v[a];
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

  static List<Object> projectionKey(ColumnBatch batch, int[] slots, int row) {
    if (slots.length == 0) {
      return List.of();
    }
    Object[] values = new Object[slots.length];
    for (int i = 0; i < slots.length; i++) {
      int s = slots[i];
      values[i] =
          switch (batch.columns().get(s).type()) {
            case STRING -> batch.strings(s)[row];
            case LONG -> batch.longs(s)[row];
            // Adding 0.0 turns -0.0 into 0.0, so both zeros are one group.
            case DOUBLE -> batch.doubles(s)[row] + 0.0;
          };
    }
    return List.of(values);
  }

  /** Adds each joined person to the groups it feeds, bounded, clamped and in fixed point. */
  private final class Accumulator implements StreamingJoin.PersonSink {
    final Map<List<Object>, GroupState> groups = new HashMap<>();
    private final Plan plan;
    private final int aggregates;
    private final Set<List<Object>> publicGroups;
    private final double[] granularity;
    private final ComboRow comboRow;

    Accumulator(Plan plan) {
      this.plan = plan;
      this.aggregates = plan.aggregates().size();
      this.publicGroups = plan.noise().flatMap(NoisePlan::publicGroups).orElse(null);
      this.granularity = plan.noise().map(NoisePlan::granularities).orElse(null);
      this.comboRow = new ComboRow(plan.datasets().size());
    }

    @Override
    public void accept(int person, String pid, List<Map<List<Object>, Partial>> parts) {
      boolean members = plan.differenceChecks().isPresent();
      long member = members ? peopleHash.applyAsLong(pid) : 0;
      Map<List<Object>, List<Set<List<Object>>>> contributions =
          contributions(plan, parts, comboRow);
      if (publicGroups != null) {
        // Public groups are known in advance: a person's budget of L0 groups goes to them only.
        contributions.keySet().retainAll(publicGroups);
      }
      if (contributions.isEmpty()) {
        return;
      }
      List<List<Object>> personGroups = new ArrayList<>(contributions.keySet());
      int[] kept = choose(pid, personGroups, plan.maxGroupsPerUser());
      for (int gi : kept) {
        List<Object> g = personGroups.get(gi);
        List<Set<List<Object>>> contrib = contributions.get(g);
        GroupState state = groups.computeIfAbsent(g, x -> new GroupState(aggregates));
        state.users++;
        if (members) {
          state.addMember(member);
        }
        long rows = 0;
        for (List<Object> pk : contrib.get(0)) {
          rows += parts.get(0).get(pk).rows;
        }
        state.count += ContributionBounding.clampCount(rows, plan.maxContributionsPerGroup());
        for (int a = 0; a < aggregates; a++) {
          Plan.AggregatePlan ap = plan.aggregates().get(a);
          if (ap.dataset() < 0) {
            continue;
          }
          double sum = 0;
          long values = 0;
          for (List<Object> pk : contrib.get(ap.dataset())) {
            Partial p = parts.get(ap.dataset()).get(pk);
            sum += p.sums[ap.metricIndex()];
            values += p.values[ap.metricIndex()];
          }
          if (values > 0) {
            double clamped = ContributionBounding.clamp(sum, ap.groupBounds());
            state.sums[a] += clamped;
            if (granularity != null) {
              // Noisy sums add each person's total in whole units of the mechanism's granularity,
              // in long fixed point that saturates instead of wrapping: no floating-point
              // accumulation error can carry information past the noise.
              state.units[a] = saturatedAdd(state.units[a], Math.round(clamped / granularity[a]));
            }
            state.people[a]++;
          }
        }
      }
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

  static long saturatedAdd(long a, long b) {
    long r = a + b;
    // Overflow iff both operands have the sign opposite to the result.
    if (((a ^ r) & (b ^ r)) < 0) {
      return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
    return r;
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

  private int[] choose(String person, List<List<Object>> groups, int max) {
    if (groups.size() <= max) {
      int[] all = new int[groups.size()];
      for (int i = 0; i < all.length; i++) {
        all[i] = i;
      }
      return all;
    }
    long[] ranks = new long[groups.size()];
    for (int i = 0; i < ranks.length; i++) {
      ranks[i] = rank.rank(person, keyText(groups.get(i)));
    }
    return ContributionBounding.selectPartitions(ranks, max);
  }

  /**
   * The text of a group key that ranks hash: the values' text joined by {@code |}, as a database
   * casts them to text.
   */
  static String keyText(List<Object> key) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < key.size(); i++) {
      if (i > 0) {
        sb.append('|');
      }
      sb.append(key.get(i));
    }
    return sb.toString();
  }

  private static Output release(Plan plan, Map<List<Object>, GroupState> groups) {
    List<ResultColumn> columns = columns(plan);
    if (plan.noise().isPresent()) {
      return releaseNoisy(plan, plan.noise().get(), columns, groups);
    }
    List<List<Object>> keys = new ArrayList<>();
    for (Map.Entry<List<Object>, GroupState> e : groups.entrySet()) {
      // Suppression is silent: a group below the threshold leaves no trace in the result.
      if (e.getValue().users >= plan.minDistinctUsers()) {
        keys.add(e.getKey());
      }
    }
    keys.sort(KEY_ORDER);
    List<ResultRow> rows = new ArrayList<>(keys.size());
    List<long[]> people = new ArrayList<>();
    for (List<Object> key : keys) {
      GroupState s = groups.get(key);
      if (plan.differenceChecks().isPresent()) {
        people.add(DifferenceChecks.peopleSet(s.members, s.memberCount));
      }
      List<Object> values = new ArrayList<>(key);
      for (int a = 0; a < plan.aggregates().size(); a++) {
        Plan.AggregatePlan ap = plan.aggregates().get(a);
        values.add(
            switch (ap.aggregate().function()) {
              case COUNT -> s.count;
              case COUNT_DISTINCT_USERS -> s.users;
              case SUM -> s.sums[a];
              case AVG -> s.people[a] == 0 ? Double.NaN : s.sums[a] / s.people[a];
            });
      }
      rows.add(new ResultRow(columns, values));
    }
    return new Output(columns, rows, people);
  }

  private static List<ResultColumn> columns(Plan plan) {
    List<ResultColumn> columns = new ArrayList<>();
    for (int j = 0; j < plan.groupBy().size(); j++) {
      columns.add(new ResultColumn(plan.groupNames().get(j), plan.groupBy().get(j).type(), false));
    }
    for (Plan.AggregatePlan ap : plan.aggregates()) {
      columns.add(new ResultColumn(ap.aggregate().alias(), ap.type(), true));
    }
    return List.copyOf(columns);
  }

  /**
   * Releases noisy rows: every public group, or the groups whose noisy distinct-user count passes
   * partition selection and k, or the one total row. Each aggregate gets fresh noise from its own
   * share of the budget; no exact value leaves.
   */
  private static Output releaseNoisy(
      Plan plan,
      NoisePlan noise,
      List<ResultColumn> columns,
      Map<List<Object>, GroupState> groups) {
    int aggregates = plan.aggregates().size();
    GroupState empty = new GroupState(aggregates);
    List<List<Object>> keys;
    if (noise.publicGroups().isPresent()) {
      keys = new ArrayList<>(noise.publicGroups().get());
    } else if (plan.groupBy().isEmpty()) {
      keys = new ArrayList<>();
      keys.add(List.of());
    } else {
      keys = new ArrayList<>();
      PartitionSelection selection = noise.selection().orElseThrow();
      for (Map.Entry<List<Object>, GroupState> e : groups.entrySet()) {
        long noisy = selection.noisyCount(e.getValue().users);
        if (selection.keep(noisy, plan.minDistinctUsers())) {
          keys.add(e.getKey());
        }
      }
    }
    // A dataset whose owner did not require differential privacy is protected by its threshold
    // alone (noise without a charged budget can be averaged away), so k holds on the exact count.
    boolean exactThreshold =
        plan.datasets().stream()
            .anyMatch(d -> d.dataset().policy().differentialPrivacy().isEmpty());
    if (exactThreshold) {
      keys.removeIf(k -> groups.getOrDefault(k, empty).users < plan.minDistinctUsers());
    }
    keys.sort(KEY_ORDER);
    List<ResultRow> rows = new ArrayList<>(keys.size());
    for (List<Object> key : keys) {
      GroupState s = groups.getOrDefault(key, empty);
      List<Object> values = new ArrayList<>(key);
      List<Optional<CellNoise>> cells = new ArrayList<>();
      for (int j = 0; j < key.size(); j++) {
        cells.add(Optional.empty());
      }
      for (int a = 0; a < aggregates; a++) {
        Plan.AggregatePlan ap = plan.aggregates().get(a);
        List<NoiseMechanism> ms = noise.mechanisms().get(a);
        NoiseMechanism m = ms.get(0);
        switch (ap.aggregate().function()) {
          case COUNT, COUNT_DISTINCT_USERS -> {
            long exact = ap.aggregate().function() == AggregateFunction.COUNT ? s.count : s.users;
            long v = m.addNoise(exact);
            values.add(v);
            cells.add(Optional.of(cell(m, m.confidenceInterval((double) v, CellNoise.CONFIDENCE))));
          }
          case SUM -> {
            double v = m.addNoise(fixedPointSum(s, a, m));
            values.add(v);
            cells.add(Optional.of(cell(m, m.confidenceInterval(v, CellNoise.CONFIDENCE))));
          }
          case AVG -> {
            NoiseMechanism countM = ms.get(1);
            double sum = m.addNoise(fixedPointSum(s, a, m));
            long count = countM.addNoise(s.people[a]);
            BoundedMean mean =
                BoundedMean.of(
                    sum,
                    m.confidenceInterval(sum, CellNoise.CONFIDENCE),
                    (double) count,
                    countM.confidenceInterval((double) count, CellNoise.CONFIDENCE),
                    ap.groupBounds());
            values.add(mean.mean());
            cells.add(
                Optional.of(
                    new CellNoise(
                        m.name() + " (sum and count)",
                        m.scale(),
                        mean.interval().lower(),
                        mean.interval().upper())));
          }
        }
      }
      rows.add(new ResultRow(columns, values, cells));
    }
    return new Output(columns, rows, List.of());
  }

  /** A group's sum from its fixed-point units: an exact multiple of the granularity. */
  private static double fixedPointSum(GroupState s, int a, NoiseMechanism m) {
    return s.units[a] * m.granularity();
  }

  private static CellNoise cell(NoiseMechanism m, ConfidenceInterval ci) {
    return new CellNoise(m.name(), m.scale(), ci.lower(), ci.upper());
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static final Comparator<List<Object>> KEY_ORDER =
      (a, b) -> {
        for (int i = 0; i < a.size(); i++) {
          int c = ((Comparable) a.get(i)).compareTo(b.get(i));
          if (c != 0) {
            return c;
          }
        }
        return 0;
      };

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
