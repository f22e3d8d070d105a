package dev.cleanroom.internal.room;

import dev.cleanroom.AggregateFunction;
import dev.cleanroom.Bounds;
import dev.cleanroom.query.Condition;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A deliberately plain reference implementation of the documented query semantics, written
 * independently of the engine: it enumerates, per person, every combination of rows (one per
 * dataset), keeps those that pass every condition, and aggregates the rows that contribute to each
 * group. It has no L0 bounding (callers choose an L0 that never binds), so its result is
 * deterministic.
 */
final class ReferenceEngine {
  private ReferenceEngine() {}

  /**
   * One dataset.
   *
   * @param name the dataset's short name; columns are referred to as {@code name.column}
   * @param people the person of each row (already normalized)
   * @param rows the values of each row by column name (String, Long or Double)
   * @param valueBounds the declared bounds of each metric
   * @param groupBounds the per-person, per-group bounds of each metric
   * @param k the dataset's minimum distinct users
   * @param maxRows the dataset's maximum contributions per group
   */
  record Table(
      String name,
      List<String> people,
      List<Map<String, Object>> rows,
      Map<String, Bounds> valueBounds,
      Map<String, Bounds> groupBounds,
      int k,
      int maxRows) {}

  /**
   * An aggregate.
   *
   * @param function the function
   * @param column the metric as {@code name.column}, or empty for counts
   */
  record Agg(AggregateFunction function, String column) {}

  private static final class Acc {
    long users;
    long count;
    final double[] sums;
    final double[] squares;
    final long[] people;

    Acc(int n) {
      sums = new double[n];
      squares = new double[n];
      people = new long[n];
    }
  }

  /**
   * The released rows: group values (in {@code groupBy} order), then one value per aggregate (Long
   * for counts, Double for sums and means), sorted by group values.
   */
  static List<List<Object>> run(
      List<Table> tables, List<Condition> where, List<String> groupBy, List<Agg> aggs) {
    int n = tables.size();
    int k = tables.stream().mapToInt(Table::k).max().orElseThrow();
    int maxRows = tables.stream().mapToInt(Table::maxRows).min().orElseThrow();
    Map<String, Integer> tableIndex = new HashMap<>();
    for (int i = 0; i < n; i++) {
      tableIndex.put(tables.get(i).name(), i);
    }
    List<Map<String, List<Integer>>> byPerson = new ArrayList<>();
    for (Table t : tables) {
      Map<String, List<Integer>> m = new LinkedHashMap<>();
      for (int r = 0; r < t.rows().size(); r++) {
        m.computeIfAbsent(t.people().get(r), x -> new ArrayList<>()).add(r);
      }
      byPerson.add(m);
    }
    Map<List<Object>, Acc> groups = new HashMap<>();
    for (String person : byPerson.get(0).keySet()) {
      List<List<Integer>> rows = new ArrayList<>();
      for (Map<String, List<Integer>> m : byPerson) {
        rows.add(m.getOrDefault(person, List.of()));
      }
      if (rows.stream().anyMatch(List::isEmpty)) {
        continue;
      }
      Map<List<Object>, List<Set<Integer>>> contrib = new LinkedHashMap<>();
      int[] choice = new int[n];
      while (true) {
        List<Map<String, Object>> combo = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          combo.add(tables.get(i).rows().get(rows.get(i).get(choice[i])));
        }
        boolean pass = true;
        for (Condition c : where) {
          pass &= holds(c, combo, tableIndex);
        }
        if (pass) {
          List<Object> key = new ArrayList<>();
          for (String g : groupBy) {
            key.add(value(g, combo, tableIndex));
          }
          List<Set<Integer>> sets =
              contrib.computeIfAbsent(
                  key,
                  x -> {
                    List<Set<Integer>> l = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                      l.add(new TreeSet<>());
                    }
                    return l;
                  });
          for (int i = 0; i < n; i++) {
            sets.get(i).add(rows.get(i).get(choice[i]));
          }
        }
        // next combination (an odometer over the person's rows of each dataset)
        int d = n - 1;
        while (d >= 0 && ++choice[d] == rows.get(d).size()) {
          choice[d] = 0;
          d--;
        }
        if (d < 0) {
          break;
        }
      }
      for (Map.Entry<List<Object>, List<Set<Integer>>> e : contrib.entrySet()) {
        Acc acc = groups.computeIfAbsent(e.getKey(), x -> new Acc(aggs.size()));
        acc.users++;
        acc.count += Math.min(e.getValue().get(0).size(), maxRows);
        for (int a = 0; a < aggs.size(); a++) {
          Agg agg = aggs.get(a);
          if (!agg.function().needsMetric()) {
            continue;
          }
          String[] parts = agg.column().split("\\.", -1);
          int t = tableIndex.get(parts[0]);
          Table table = tables.get(t);
          double total = 0;
          int values = 0;
          for (int r : e.getValue().get(t)) {
            double v = ((Number) table.rows().get(r).get(parts[1])).doubleValue();
            if (Double.isNaN(v)) {
              continue;
            }
            total += clamp(v, table.valueBounds().get(parts[1]));
            values++;
          }
          if (values > 0) {
            double clamped = clamp(total, table.groupBounds().get(parts[1]));
            acc.sums[a] += clamped;
            acc.squares[a] += clamped * clamped;
            acc.people[a]++;
          }
        }
      }
    }
    List<List<Object>> keys = new ArrayList<>();
    groups.forEach(
        (key, acc) -> {
          if (acc.users >= k) {
            keys.add(key);
          }
        });
    keys.sort(KEY_ORDER);
    List<List<Object>> out = new ArrayList<>();
    for (List<Object> key : keys) {
      Acc acc = groups.get(key);
      List<Object> row = new ArrayList<>(key);
      for (int a = 0; a < aggs.size(); a++) {
        row.add(
            switch (aggs.get(a).function()) {
              case COUNT -> acc.count;
              case COUNT_DISTINCT_USERS -> acc.users;
              case SUM -> acc.sums[a];
              case AVG -> acc.people[a] == 0 ? Double.NaN : acc.sums[a] / acc.people[a];
              case VARIANCE -> variance(acc, a);
              case STDDEV -> Math.sqrt(variance(acc, a));
              // Quantiles have their own reference (ThresholdQuantileProperties).
              case QUANTILE -> throw new UnsupportedOperationException("quantile");
            });
      }
      out.add(row);
    }
    return out;
  }

  /** The population variance of the people's clamped totals, in doubles (NaN without people). */
  private static double variance(Acc acc, int a) {
    if (acc.people[a] == 0) {
      return Double.NaN;
    }
    double mean = acc.sums[a] / acc.people[a];
    return Math.max(0, acc.squares[a] / acc.people[a] - mean * mean);
  }

  private static double clamp(double v, Bounds b) {
    return v < b.lower() ? b.lower() : v > b.upper() ? b.upper() : v;
  }

  private static Object value(
      String ref, List<Map<String, Object>> combo, Map<String, Integer> tableIndex) {
    String[] parts = ref.split("\\.", -1);
    Object v = combo.get(tableIndex.get(parts[0])).get(parts[1]);
    if (v == null) {
      throw new IllegalArgumentException("no column " + ref);
    }
    return v;
  }

  static boolean holds(
      Condition c, List<Map<String, Object>> combo, Map<String, Integer> tableIndex) {
    if (c instanceof Condition.Comparison cmp) {
      int r = compare(value(cmp.column(), combo, tableIndex), cmp.value());
      return switch (cmp.op()) {
        case EQ -> r == 0;
        case NE -> r != 0;
        case LT -> r < 0;
        case LE -> r <= 0;
        case GT -> r > 0;
        case GE -> r >= 0;
      };
    }
    if (c instanceof Condition.In in) {
      Object v = value(in.column(), combo, tableIndex);
      return in.values().stream().anyMatch(lit -> compare(v, lit) == 0);
    }
    if (c instanceof Condition.And and) {
      return and.operands().stream().allMatch(o -> holds(o, combo, tableIndex));
    }
    if (c instanceof Condition.Or or) {
      return or.operands().stream().anyMatch(o -> holds(o, combo, tableIndex));
    }
    return !holds(((Condition.Not) c).operand(), combo, tableIndex);
  }

  private static int compare(Object value, Object literal) {
    if (value instanceof String s) {
      return s.compareTo((String) literal);
    }
    if (value instanceof Long l) {
      return Long.compare(l, (Long) literal);
    }
    throw new IllegalArgumentException("the reference compares only String and Long values");
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  static final Comparator<List<Object>> KEY_ORDER =
      (a, b) -> {
        for (int i = 0; i < a.size(); i++) {
          int c = ((Comparable) a.get(i)).compareTo(b.get(i));
          if (c != 0) {
            return c;
          }
        }
        return 0;
      };

  /** A text of {@code c} with its literals, for failure messages. */
  static String render(Condition c) {
    if (c instanceof Condition.Comparison cmp) {
      return cmp.column() + " " + cmp.op().symbol() + " " + literal(cmp.value());
    }
    if (c instanceof Condition.In in) {
      return in.column() + " IN " + in.values().stream().map(ReferenceEngine::literal).toList();
    }
    if (c instanceof Condition.And and) {
      return "("
          + String.join(" AND ", and.operands().stream().map(ReferenceEngine::render).toList())
          + ")";
    }
    if (c instanceof Condition.Or or) {
      return "("
          + String.join(" OR ", or.operands().stream().map(ReferenceEngine::render).toList())
          + ")";
    }
    return "NOT " + render(((Condition.Not) c).operand());
  }

  private static String literal(Object v) {
    return v instanceof String s ? "'" + s + "'" : String.valueOf(v);
  }
}
