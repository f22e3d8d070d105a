package dev.cleanroom.internal.plan;

import dev.cleanroom.ColumnType;
import dev.cleanroom.InvalidQueryException;
import dev.cleanroom.internal.value.TimeBuckets;
import dev.cleanroom.internal.value.TypedValues;
import dev.cleanroom.query.ColumnOffset;
import dev.cleanroom.query.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/** Compiles query conditions into typed predicates over rows, with no boxing per test. */
public final class Predicates {
  private Predicates() {}

  /** A row as predicates read it: values by dataset and slot. */
  public interface Row {
    String str(int dataset, int slot);

    long lng(int dataset, int slot);

    double dbl(int dataset, int slot);
  }

  /** A compiled condition. */
  public interface Pred {
    boolean test(Row row);
  }

  static final Pred TRUE = row -> true;

  /**
   * Compiles the conjunction of {@code conditions}.
   *
   * @param resolve resolves a column name of the query
   * @param slot the slot of a resolved column in the rows the predicate will read
   * @throws InvalidQueryException if a literal does not fit its column's type
   */
  static Pred compileAll(
      List<Condition> conditions,
      Function<String, ResolvedColumn> resolve,
      ToIntFunction<ResolvedColumn> slot) {
    if (conditions.isEmpty()) {
      return TRUE;
    }
    List<Pred> preds = new ArrayList<>();
    for (Condition c : conditions) {
      preds.add(compile(c, resolve, slot));
    }
    return and(preds);
  }

  private static Pred and(List<Pred> preds) {
    if (preds.size() == 1) {
      return preds.get(0);
    }
    Pred[] ps = preds.toArray(new Pred[0]);
    return row -> {
      for (Pred p : ps) {
        if (!p.test(row)) {
          return false;
        }
      }
      return true;
    };
  }

  private static Pred or(List<Pred> preds) {
    Pred[] ps = preds.toArray(new Pred[0]);
    return row -> {
      for (Pred p : ps) {
        if (p.test(row)) {
          return true;
        }
      }
      return false;
    };
  }

  static Pred compile(
      Condition c, Function<String, ResolvedColumn> resolve, ToIntFunction<ResolvedColumn> slot) {
    if (c instanceof Condition.Comparison cmp) {
      ResolvedColumn col = resolve.apply(cmp.column());
      if (cmp.value() instanceof ColumnOffset other) {
        ResolvedColumn right = resolve.apply(other.column());
        long offset = columnsOffset(col, right, other);
        int ls = slot.applyAsInt(col);
        int rs = slot.applyAsInt(right);
        int ld = col.dataset();
        int rd = right.dataset();
        Condition.Op op = cmp.op();
        // Held values lie within 2^59 and the offset within 2^59 too: the sum cannot overflow.
        return row -> holds(op, Long.compare(row.lng(ld, ls), row.lng(rd, rs) + offset));
      }
      return comparison(col, slot.applyAsInt(col), cmp.op(), cmp.value());
    }
    if (c instanceof Condition.In in) {
      ResolvedColumn col = resolve.apply(in.column());
      List<Pred> eqs = new ArrayList<>();
      for (Object v : in.values()) {
        eqs.add(comparison(col, slot.applyAsInt(col), Condition.Op.EQ, v));
      }
      return eqs.size() == 1 ? eqs.get(0) : or(eqs);
    }
    if (c instanceof Condition.And and) {
      List<Pred> ps = new ArrayList<>();
      and.operands().forEach(o -> ps.add(compile(o, resolve, slot)));
      return and(ps);
    }
    if (c instanceof Condition.Or or) {
      List<Pred> ps = new ArrayList<>();
      or.operands().forEach(o -> ps.add(compile(o, resolve, slot)));
      return or(ps);
    }
    Pred inner = compile(((Condition.Not) c).operand(), resolve, slot);
    return row -> !inner.test(row);
  }

  private static Pred comparison(ResolvedColumn col, int slot, Condition.Op op, Object value) {
    int ds = col.dataset();
    ColumnType type = col.type();
    switch (type) {
      case STRING -> {
        if (!(value instanceof String s)) {
          throw mismatch(col, "text");
        }
        return row -> holds(op, row.str(ds, slot).compareTo(s));
      }
      case LONG -> {
        if (!(value instanceof Long l)) {
          throw mismatch(col, "whole numbers");
        }
        long lit = l;
        return row -> holds(op, Long.compare(row.lng(ds, slot), lit));
      }
      case DATE, TIMESTAMP, BOOLEAN -> {
        Object held = TypedValues.held(type, value).orElse(null);
        if (held == null) {
          throw mismatch(
              col,
              switch (type) {
                case DATE -> "dates (LocalDate)";
                case TIMESTAMP -> "instants (Instant)";
                default -> "true or false";
              });
        }
        long lit = (Long) held;
        return row -> holds(op, Long.compare(row.lng(ds, slot), lit));
      }
      case DOUBLE -> {
        if (!(value instanceof Number n)) {
          throw mismatch(col, "numbers");
        }
        // Adding 0.0 turns -0.0 into 0.0, so that both zeros compare equal.
        double lit = n.doubleValue() + 0.0;
        return row -> {
          double v = row.dbl(ds, slot) + 0.0;
          // NaN compares as missing: only "not equal" holds for it.
          return Double.isNaN(v) ? op == Condition.Op.NE : holds(op, Double.compare(v, lit));
        };
      }
    }
    throw new AssertionError(type);
  }

  /**
   * The held offset of a comparison between two columns, which must be both DATE or both TIMESTAMP
   * columns (not time buckets).
   *
   * @throws InvalidQueryException if they are not
   */
  static long columnsOffset(ResolvedColumn left, ResolvedColumn right, ColumnOffset other) {
    if (left.bucket().isPresent()
        || right.bucket().isPresent()
        || left.type() != right.type()
        || (left.type() != ColumnType.DATE && left.type() != ColumnType.TIMESTAMP)) {
      throw new InvalidQueryException(
          "column ["
              + left.label()
              + "] is compared with column ["
              + right.label()
              + "]: both must be DATE columns or both TIMESTAMP columns; they are "
              + left.type()
              + " and "
              + right.type());
    }
    return TimeBuckets.heldOffset(left.type(), other.offset());
  }

  private static InvalidQueryException mismatch(ResolvedColumn col, String wanted) {
    return new InvalidQueryException(
        "column ["
            + col.name()
            + "] is "
            + col.type()
            + " and must be compared with "
            + wanted
            + "; the condition's value has another type");
  }

  private static boolean holds(Condition.Op op, int cmp) {
    return switch (op) {
      case EQ -> cmp == 0;
      case NE -> cmp != 0;
      case LT -> cmp < 0;
      case LE -> cmp <= 0;
      case GT -> cmp > 0;
      case GE -> cmp >= 0;
    };
  }
}
