package dev.cleanroom.internal.execution;

import dev.cleanroom.AggregateFunction;
import dev.cleanroom.dp.ContributionBounding;
import dev.cleanroom.dp.ExactVariance;
import dev.cleanroom.dp.FineUnits;
import dev.cleanroom.dp.KeyedRank;
import dev.cleanroom.dp.QuantileTree;
import dev.cleanroom.dp.UnitBounds;
import dev.cleanroom.dp.UnitSum;
import dev.cleanroom.dp.UnitTotals;
import dev.cleanroom.internal.plan.NoisePlan;
import dev.cleanroom.internal.plan.Plan;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;
import java.util.function.IntToLongFunction;

/**
 * The one contribution bounder of the engine. Every in-engine execution path (streamed and
 * columnar) joins its rows into people and hands each person's candidate groups here, with the
 * person's row count and metric totals per group; this class alone decides what the person adds:
 * groups outside the public groups are dropped (a person's L0 budget goes to groups that can be
 * released), a person with more than L0 groups keeps the L0 groups of smallest keyed rank (a hash
 * under the query's secret salt of the person's normalized id in the query's first dataset and the
 * group, as the SQL renderer ranks them in a database), row counts are capped, and metric totals
 * are clamped to the group bounds, as totals in whole units ({@link RowUnits}): of the mechanism's
 * granularity for a noisy query (the bounds rounded to units as well), of the sum's {@link
 * FineUnits} quantum for a threshold query (exact, converted to a double once per group); the
 * people of each group are collected when difference checks apply. The pushed-down statement
 * renders this same specification in SQL ({@link Pushdown}).
 *
 * <p>One instance serves one thread: it holds scratch arrays.
 */
final class ContributionBounder {
  private final Plan plan;
  private final KeyedRank.Ranker rank;
  private final PeopleHash peopleHash;
  private final double[] granularity;

  /** Per aggregate of a noisy plan, the group bounds of a person's total in whole units. */
  private final long[] unitLower;

  private final long[] unitUpper;

  /**
   * Per aggregate of a threshold-mode plan, the group bounds of a person's total in units of the
   * sum's {@link FineUnits} quantum (lower rounded up, upper down); null for a noisy plan.
   */
  private final UnitBounds[] fineBounds;

  private final int aggregates;

  /** Per aggregate, whether it is a variance or standard deviation (which also sums squares). */
  private final boolean[] spread;

  /** Per aggregate, whether it is a quantile (which keeps each person's total). */
  private final boolean[] quantile;

  /** Per aggregate with {@link FineUnits}, their scale; 0 otherwise. */
  private final double[] scale;

  private final boolean members;
  private final int maxGroups;
  private int[] candidates = new int[16];
  private long[] ranks = new long[16];

  /**
   * A bounder for {@code plan}.
   *
   * @param rank the query's keyed rank for the choice of groups
   * @param peopleHash the keyed hash of a person's normalized id, for the people of each group when
   *     the plan has difference checks
   */
  ContributionBounder(Plan plan, KeyedRank rank, PeopleHash peopleHash) {
    this.plan = plan;
    this.rank = rank.ranker();
    this.peopleHash = peopleHash;
    this.granularity = plan.noise().map(NoisePlan::granularities).orElse(null);
    this.unitLower = new long[plan.aggregates().size()];
    this.unitUpper = new long[plan.aggregates().size()];
    for (int a = 0; granularity != null && a < unitLower.length; a++) {
      Plan.AggregatePlan ap = plan.aggregates().get(a);
      if (ap.dataset() >= 0) {
        unitLower[a] = UnitSum.unitsOf(ap.groupBounds().lower(), granularity[a]);
        unitUpper[a] = UnitSum.unitsOf(ap.groupBounds().upper(), granularity[a]);
      }
    }
    this.fineBounds = new UnitBounds[unitLower.length];
    this.scale = new double[unitLower.length];
    for (int a = 0; a < fineBounds.length; a++) {
      Plan.AggregatePlan ap = plan.aggregates().get(a);
      if (ap.dataset() >= 0 && RowUnits.fineUnits(plan, a)) {
        scale[a] = RowUnits.scale(plan, a);
        fineBounds[a] =
            new UnitBounds(
                FineUnits.ceilUnits(ap.groupBounds().lower(), scale[a]),
                FineUnits.floorUnits(ap.groupBounds().upper(), scale[a]));
      }
    }
    this.aggregates = plan.aggregates().size();
    this.spread = spreads(plan);
    this.quantile = quantiles(plan);
    this.members = plan.differenceChecks().isPresent();
    this.maxGroups = plan.maxGroupsPerUser();
  }

  /**
   * Adds one joined person to {@code into}.
   *
   * @param person the person's code, passed to {@code rankIds}
   * @param rankIds the normalized id of the person in the query's first dataset (what a database
   *     path can compute too; the pseudonym needs the room's key), asked only when the person has
   *     more than L0 groups (it ranks them) or the people of a group are collected (its {@link
   *     PeopleHash})
   * @param n the number of the person's candidate groups
   * @param group the dense id (in {@code into}) of each candidate group
   * @param rows the person's rows of the first dataset in each candidate group, for {@code count()}
   * @param units per aggregate, the person's total of its metric in each candidate group as whole
   *     units (each row's clamped value in units of the aggregate's granularity or fine quantum,
   *     then added exactly: {@link RowUnits})
   * @param values per aggregate, the number of values behind each total (0: no value, no person)
   */
  void person(
      int person,
      IntFunction<String> rankIds,
      int n,
      int[] group,
      long[] rows,
      UnitTotals[] units,
      long[][] values,
      GroupTotals into) {
    person(person, rankIds, null, n, group, rows, units, values, into);
  }

  /**
   * Adds one joined person to {@code into}, like {@link #person(int, IntFunction, int, int[],
   * long[], UnitTotals[], long[][], GroupTotals)}, taking the person's {@link PeopleHash} from
   * {@code memberHashes} (a path that caches them per person) instead of computing it from the
   * normalized id; null computes it.
   */
  void person(
      int person,
      IntFunction<String> rankIds,
      IntToLongFunction memberHashes,
      int n,
      int[] group,
      long[] rows,
      UnitTotals[] units,
      long[][] values,
      GroupTotals into) {
    if (candidates.length < n) {
      candidates = new int[Math.max(n, 2 * candidates.length)];
      ranks = new long[candidates.length];
    }
    int c = 0;
    for (int i = 0; i < n; i++) {
      if (into.allowed(group[i])) {
        candidates[c++] = i;
      }
    }
    if (c == 0) {
      return;
    }
    int kept = c;
    String rankId = null;
    if (c > maxGroups) {
      rankId = rankIds.apply(person);
      for (int k = 0; k < c; k++) {
        ranks[k] = rank.rank(rankId, into.keyText(group[candidates[k]]));
      }
      keepSmallest(c, maxGroups);
      kept = maxGroups;
    }
    long member = 0;
    if (members) {
      member =
          memberHashes != null
              ? memberHashes.applyAsLong(person)
              : peopleHash.hash(rankId == null ? rankIds.apply(person) : rankId);
    }
    for (int k = 0; k < kept; k++) {
      int i = candidates[k];
      int g = group[i];
      into.users[g]++;
      if (members) {
        into.addMember(g, member);
      }
      into.count[g] += ContributionBounding.clampCount(rows[i], plan.maxContributionsPerGroup());
      for (int a = 0; a < aggregates; a++) {
        Plan.AggregatePlan ap = plan.aggregates().get(a);
        if (ap.dataset() < 0 || values[a][i] == 0) {
          continue;
        }
        if (quantile[a]) {
          // The person's exact total, clamped, kept as the nearest double for the exact quantile
          // or the leaf of the noisy tree.
          UnitSum total = new UnitSum();
          units[a].addClampedTo(i, fineBounds[a], total);
          into.addValue(a, g, FineUnits.value(total.units(), scale[a]));
        } else if (granularity != null) {
          // Whole units of the mechanism's granularity, summed exactly (widening, never
          // saturating): no floating-point error can carry information past the noise.
          long x = units[a].clamped(i, unitLower[a], unitUpper[a]);
          into.units(a, g).add(x);
          if (spread[a]) {
            into.squares(a, g).addSquare(x);
          }
        } else {
          // Whole units of the sum's fine quantum, as in a database: exact whatever the order of
          // rows, people and threads, converted to a double once when released.
          units[a].addClampedTo(i, fineBounds[a], into.units(a, g));
          if (spread[a]) {
            units[a].addClampedSquareTo(i, fineBounds[a], into.squares(a, g));
          }
        }
        into.people[a][g]++;
      }
    }
  }

  /** Per aggregate of {@code plan}, whether it is a variance or standard deviation. */
  static boolean[] spreads(Plan plan) {
    boolean[] out = new boolean[plan.aggregates().size()];
    for (int a = 0; a < out.length; a++) {
      AggregateFunction f = plan.aggregates().get(a).aggregate().function();
      out[a] = f == AggregateFunction.VARIANCE || f == AggregateFunction.STDDEV;
    }
    return out;
  }

  /** Per aggregate of {@code plan}, whether it is a quantile. */
  static boolean[] quantiles(Plan plan) {
    boolean[] out = new boolean[plan.aggregates().size()];
    for (int a = 0; a < out.length; a++) {
      out[a] = plan.aggregates().get(a).aggregate().function() == AggregateFunction.QUANTILE;
    }
    return out;
  }

  /**
   * The exact threshold-mode value of aggregate {@code a} of group state {@code s}: a sum's units
   * as the nearest double, the exact mean of the people's totals (NaN without people), the exact
   * variance or standard deviation of the people's totals (NaN without people), each rounded once
   * ({@link ExactVariance}), or the exact nearest-rank quantile of the people's totals ({@link
   * QuantileTree#exact}, NaN without people); 0 for a count, whose value is elsewhere.
   */
  static double exactValue(Plan plan, int a, Executor.GroupState s) {
    Plan.AggregatePlan ap = plan.aggregates().get(a);
    if (ap.dataset() < 0) {
      return 0;
    }
    double scale = RowUnits.scale(plan, a);
    return switch (ap.aggregate().function()) {
      case AVG ->
          s.people[a] == 0 ? Double.NaN : ExactVariance.mean(s.people[a], s.units[a], scale);
      case VARIANCE ->
          s.people[a] == 0
              ? Double.NaN
              : ExactVariance.variance(s.people[a], s.units[a], s.squares[a], scale);
      case STDDEV ->
          s.people[a] == 0
              ? Double.NaN
              : ExactVariance.stddev(s.people[a], s.units[a], s.squares[a], scale);
      case QUANTILE ->
          QuantileTree.exact(s.values[a], s.values[a].length, ap.aggregate().fraction());
      default -> FineUnits.value(s.units[a], scale);
    };
  }

  /**
   * Moves the {@code max} candidates of smallest rank to the front of {@code candidates}, ties to
   * the earlier candidate: the choice of {@link ContributionBounding#selectPartitions}, without
   * boxing, for the few groups one person has.
   */
  private void keepSmallest(int n, int max) {
    for (int k = 0; k < max; k++) {
      int best = k;
      for (int i = k + 1; i < n; i++) {
        if (ranks[i] < ranks[best]
            || (ranks[i] == ranks[best] && candidates[i] < candidates[best])) {
          best = i;
        }
      }
      long r = ranks[k];
      ranks[k] = ranks[best];
      ranks[best] = r;
      int c = candidates[k];
      candidates[k] = candidates[best];
      candidates[best] = c;
    }
  }

  /**
   * The bounded totals of a query's groups, by dense group id: the output of the bounder, the input
   * of the release stage. Group ids are handed out by {@link #id}; the totals of several threads
   * over the same ids {@link #merge}.
   */
  static final class GroupTotals {
    private final Plan plan;
    private final Set<List<Object>> publicGroups;
    private final int aggregates;
    private final Map<List<Object>, Integer> ids;
    private final List<List<Object>> keys;
    private final List<String> texts;

    /** Per aggregate of a threshold-mode plan, its {@link FineUnits} scale; 0 otherwise. */
    private final double[] fineScale;

    private boolean[] allowed = new boolean[16];
    long[] users = new long[16];
    long[] count = new long[16];
    private UnitSum[][] units;

    /** Per variance aggregate, the exact sums of squares by group; null for other aggregates. */
    private final UnitSum[][] squares;

    /** Per quantile aggregate, the people's totals by group; null for other aggregates. */
    private final double[][][] values;

    /** Per quantile aggregate, the number of totals by group; null for other aggregates. */
    private final int[][] valueCount;

    long[][] people;
    long[][] members;
    int[] memberCount;

    /** Empty totals for {@code plan}'s groups. */
    GroupTotals(Plan plan) {
      this(plan, new HashMap<>(), new ArrayList<>(), new ArrayList<>());
    }

    private GroupTotals(
        Plan plan, Map<List<Object>, Integer> ids, List<List<Object>> keys, List<String> texts) {
      this.plan = plan;
      this.publicGroups = plan.noise().flatMap(NoisePlan::publicGroups).orElse(null);
      this.aggregates = plan.aggregates().size();
      this.ids = ids;
      this.keys = keys;
      this.texts = texts;
      this.fineScale = new double[aggregates];
      for (int a = 0; plan.noise().isEmpty() && a < aggregates; a++) {
        if (plan.aggregates().get(a).dataset() >= 0) {
          fineScale[a] = RowUnits.scale(plan, a);
        }
      }
      units = new UnitSum[aggregates][16];
      squares = new UnitSum[aggregates][];
      boolean[] spread = spreads(plan);
      for (int a = 0; a < aggregates; a++) {
        if (spread[a]) {
          squares[a] = new UnitSum[16];
        }
      }
      values = new double[aggregates][][];
      valueCount = new int[aggregates][];
      boolean[] quantile = quantiles(plan);
      for (int a = 0; a < aggregates; a++) {
        if (quantile[a]) {
          values[a] = new double[16][];
          valueCount[a] = new int[16];
        }
      }
      people = new long[aggregates][16];
      members = plan.differenceChecks().isPresent() ? new long[16][] : null;
      memberCount = new int[16];
      for (int g = 0; g < keys.size(); g++) {
        ensure(g);
        allowed[g] = isAllowed(keys.get(g));
      }
    }

    /** Empty totals over the same group ids, for another thread; ids must all be handed out. */
    GroupTotals sibling() {
      return new GroupTotals(plan, ids, keys, texts);
    }

    /** The dense id of group {@code key}, handed out on first sight. Not thread-safe. */
    int id(List<Object> key) {
      Integer id = ids.get(key);
      if (id != null) {
        return id;
      }
      int g = keys.size();
      ids.put(key, g);
      keys.add(key);
      texts.add(ContributionBounder.keyText(key));
      ensure(g);
      allowed[g] = isAllowed(key);
      return g;
    }

    /** The number of groups with an id. */
    int size() {
      return keys.size();
    }

    /** The exact sum of units of aggregate {@code a} in group {@code g}. */
    UnitSum units(int a, int g) {
      UnitSum u = units[a][g];
      if (u == null) {
        u = new UnitSum();
        units[a][g] = u;
      }
      return u;
    }

    /** The exact sum of squares of units of variance aggregate {@code a} in group {@code g}. */
    UnitSum squares(int a, int g) {
      UnitSum u = squares[a][g];
      if (u == null) {
        u = new UnitSum();
        squares[a][g] = u;
      }
      return u;
    }

    /** Adds one person's total to quantile aggregate {@code a} in group {@code g}. */
    void addValue(int a, int g, double value) {
      double[] v = values[a][g];
      int n = valueCount[a][g];
      if (v == null) {
        v = new double[8];
        values[a][g] = v;
      } else if (n == v.length) {
        v = Arrays.copyOf(v, 2 * n);
        values[a][g] = v;
      }
      v[n] = value;
      valueCount[a][g] = n + 1;
    }

    boolean allowed(int g) {
      return allowed[g];
    }

    String keyText(int g) {
      return texts.get(g);
    }

    private boolean isAllowed(List<Object> key) {
      // Public groups are known in advance: a person's budget of L0 groups goes to them only.
      return publicGroups == null || publicGroups.contains(key);
    }

    private void ensure(int g) {
      if (g < users.length) {
        return;
      }
      int n = Math.max(g + 1, 2 * users.length);
      allowed = Arrays.copyOf(allowed, n);
      users = Arrays.copyOf(users, n);
      count = Arrays.copyOf(count, n);
      memberCount = Arrays.copyOf(memberCount, n);
      if (members != null) {
        members = Arrays.copyOf(members, n);
      }
      for (int a = 0; a < aggregates; a++) {
        units[a] = Arrays.copyOf(units[a], n);
        if (squares[a] != null) {
          squares[a] = Arrays.copyOf(squares[a], n);
        }
        if (values[a] != null) {
          values[a] = Arrays.copyOf(values[a], n);
          valueCount[a] = Arrays.copyOf(valueCount[a], n);
        }
        people[a] = Arrays.copyOf(people[a], n);
      }
    }

    void addMember(int g, long member) {
      long[] m = members[g];
      if (m == null) {
        m = new long[8];
        members[g] = m;
      } else if (memberCount[g] == m.length) {
        m = Arrays.copyOf(m, 2 * m.length);
        members[g] = m;
      }
      m[memberCount[g]++] = member;
    }

    /** Adds {@code other}'s totals (over the same group ids) to these. */
    void merge(GroupTotals other) {
      ensure(other.size() - 1);
      for (int g = 0; g < other.size(); g++) {
        users[g] += other.users[g];
        count[g] += other.count[g];
        for (int a = 0; a < aggregates; a++) {
          if (other.units[a][g] != null) {
            units(a, g).addAll(other.units[a][g]);
          }
          if (squares[a] != null && other.squares[a][g] != null) {
            squares(a, g).addAll(other.squares[a][g]);
          }
          if (values[a] != null) {
            for (int i = 0; i < other.valueCount[a][g]; i++) {
              addValue(a, g, other.values[a][g][i]);
            }
          }
          people[a][g] += other.people[a][g];
        }
        if (members != null) {
          for (int i = 0; i < other.memberCount[g]; i++) {
            addMember(g, other.members[g][i]);
          }
        }
      }
    }

    /** The groups that at least one person reached, by key, for the release stage. */
    Map<List<Object>, Executor.GroupState> byKey() {
      Map<List<Object>, Executor.GroupState> out = new HashMap<>();
      for (int g = 0; g < keys.size(); g++) {
        if (users[g] == 0) {
          continue;
        }
        Executor.GroupState s = new Executor.GroupState(aggregates);
        s.users = users[g];
        s.count = count[g];
        if (members != null && members[g] != null) {
          s.members = members[g];
          s.memberCount = memberCount[g];
        }
        for (int a = 0; a < aggregates; a++) {
          s.units[a] = units[a][g] == null ? BigInteger.ZERO : units[a][g].units();
          if (squares[a] != null && squares[a][g] != null) {
            s.squares[a] = squares[a][g].units();
          }
          if (values[a] != null && values[a][g] != null) {
            s.values[a] = Arrays.copyOf(values[a][g], valueCount[a][g]);
          }
          s.people[a] = people[a][g];
          if (fineScale[a] > 0) {
            s.sums[a] = exactValue(plan, a, s);
          }
        }
        out.put(keys.get(g), s);
      }
      return out;
    }
  }

  /**
   * The text of a group key that ranks hash: the values' text joined by {@code |}, as a database
   * casts them to text. Where a key has more than one value, each text value is escaped ({@link
   * #escapedKeyText}), so that two keys never share a text.
   */
  static String keyText(List<Object> key) {
    if (key.size() == 1) {
      return String.valueOf(key.get(0));
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < key.size(); i++) {
      if (i > 0) {
        sb.append('|');
      }
      Object v = key.get(i);
      sb.append(v instanceof String t ? escapedKeyText(t) : String.valueOf(v));
    }
    return sb.toString();
  }

  /**
   * A text value of a key of several values as its rank text holds it: {@code ~} doubled and {@code
   * |} written {@code ~!}, so that no value holds the separator (("a|b", "c") and ("a", "b|c") were
   * one text). {@link Pushdown} writes the same with two {@code REPLACE}s.
   */
  static String escapedKeyText(String value) {
    return value.replace("~", "~~").replace("|", "~!");
  }
}
