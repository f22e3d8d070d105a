package dev.cleanroom.internal.plan;

import dev.cleanroom.ColumnType;
import dev.cleanroom.InvalidQueryException;
import dev.cleanroom.internal.value.TimeBuckets;
import dev.cleanroom.internal.value.TypedValues;
import dev.cleanroom.query.ColumnOffset;
import dev.cleanroom.query.Condition;
import dev.cleanroom.query.TimeBucket;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Conditions on time: a condition on a time bucket rewritten as a range of its column (so that
 * every source and every path filters it as it filters a column, and a database reads the column
 * with no function around it), and which conditions compare two columns.
 *
 * <p>A bucket's value is a nondecreasing step function of its column, so with ceil(x) the first
 * bucket start on or after day x: {@code bucket(c) < x} holds exactly when {@code c < ceil(x)},
 * {@code bucket(c) <= x} when {@code c < ceil(x + 1)}, and {@code bucket(c) = x} when {@code
 * ceil(x) <= c < ceil(x + 1)} (an empty range when x is no bucket's start). For a TIMESTAMP column
 * the days are their first instants in UTC. A start after 9999-12-31 is a bound that every value
 * passes ({@code <}) or none does ({@code >=}), written against the last value a column can hold.
 */
final class TimeConditions {
  private TimeConditions() {}

  /**
   * {@code c} with every comparison and IN on a time bucket rewritten as a range of the bucket's
   * column.
   *
   * @param resolve resolves a column name of the query (a bucket to its derived column)
   * @throws InvalidQueryException if a bucket is compared with anything but a date
   */
  static Condition withoutBuckets(Condition c, Function<String, ResolvedColumn> resolve) {
    if (c instanceof Condition.Comparison cmp) {
      Optional<TimeBucket.Named> named = TimeBucket.parse(cmp.column());
      if (named.isEmpty()) {
        return c;
      }
      ResolvedColumn rc = resolve.apply(cmp.column());
      return bucketComparison(named.get().column(), rc, cmp.op(), day(rc, cmp.value()));
    }
    if (c instanceof Condition.In in) {
      Optional<TimeBucket.Named> named = TimeBucket.parse(in.column());
      if (named.isEmpty()) {
        return c;
      }
      ResolvedColumn rc = resolve.apply(in.column());
      List<Condition> eqs = new ArrayList<>();
      for (Object v : in.values()) {
        eqs.add(bucketComparison(named.get().column(), rc, Condition.Op.EQ, day(rc, v)));
      }
      return eqs.size() == 1 ? eqs.get(0) : new Condition.Or(eqs);
    }
    if (c instanceof Condition.And and) {
      return new Condition.And(
          and.operands().stream().map(o -> withoutBuckets(o, resolve)).toList());
    }
    if (c instanceof Condition.Or or) {
      return new Condition.Or(or.operands().stream().map(o -> withoutBuckets(o, resolve)).toList());
    }
    return new Condition.Not(withoutBuckets(((Condition.Not) c).operand(), resolve));
  }

  /** Whether {@code c} compares a column with another column somewhere. */
  static boolean comparesColumns(Condition c) {
    if (c instanceof Condition.Comparison cmp) {
      return cmp.value() instanceof ColumnOffset;
    }
    if (c instanceof Condition.In) {
      return false;
    }
    if (c instanceof Condition.And and) {
      return and.operands().stream().anyMatch(TimeConditions::comparesColumns);
    }
    if (c instanceof Condition.Or or) {
      return or.operands().stream().anyMatch(TimeConditions::comparesColumns);
    }
    return comparesColumns(((Condition.Not) c).operand());
  }

  private static long day(ResolvedColumn rc, Object value) {
    if (!(value instanceof LocalDate d)) {
      throw new InvalidQueryException(
          "time bucket ["
              + rc.label()
              + "] is a DATE and must be compared with dates (LocalDate); the condition's value"
              + " has another type");
    }
    return d.toEpochDay();
  }

  private static Condition bucketComparison(
      String column, ResolvedColumn rc, Condition.Op op, long x) {
    TimeBucket b = rc.bucket().orElseThrow();
    long lo = TimeBuckets.startOnOrAfter(b, x);
    long hi = TimeBuckets.startOnOrAfter(b, x + 1);
    ColumnType base = rc.baseType();
    return switch (op) {
      case LT -> before(column, base, lo);
      case GE -> notBefore(column, base, lo);
      case LE -> before(column, base, hi);
      case GT -> notBefore(column, base, hi);
      case EQ -> new Condition.And(List.of(notBefore(column, base, lo), before(column, base, hi)));
      case NE ->
          new Condition.Not(
              new Condition.And(List.of(notBefore(column, base, lo), before(column, base, hi))));
    };
  }

  /** {@code column} before day {@code start}'s first instant. */
  private static Condition before(String column, ColumnType base, long start) {
    return start > TypedValues.LAST_DAY
        ? new Condition.Comparison(column, Condition.Op.LE, last(base))
        : new Condition.Comparison(column, Condition.Op.LT, first(base, start));
  }

  /** {@code column} on or after day {@code start}'s first instant. */
  private static Condition notBefore(String column, ColumnType base, long start) {
    return start > TypedValues.LAST_DAY
        ? new Condition.Comparison(column, Condition.Op.GT, last(base))
        : new Condition.Comparison(column, Condition.Op.GE, first(base, start));
  }

  private static Object first(ColumnType base, long day) {
    return base == ColumnType.DATE
        ? LocalDate.ofEpochDay(day)
        : Instant.ofEpochSecond(Math.multiplyExact(day, 86_400L));
  }

  private static Object last(ColumnType base) {
    return base == ColumnType.DATE
        ? LocalDate.ofEpochDay(TypedValues.LAST_DAY)
        : TypedValues.instant(TypedValues.END_MICROS - 1);
  }
}
