package dev.cleanroom.query;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * A filter on dimension columns, built with {@link Dsl#col(String)}. Literal values never appear in
 * {@code toString()}, so a condition may be logged safely.
 */
public sealed interface Condition
    permits Condition.Comparison, Condition.In, Condition.And, Condition.Or, Condition.Not {

  /**
   * This condition and {@code other}.
   *
   * @param other the condition to combine with
   * @return this condition and {@code other}
   */
  default Condition and(Condition other) {
    return new And(List.of(this, other));
  }

  /**
   * This condition or {@code other}.
   *
   * @param other the condition to combine with
   * @return this condition or {@code other}
   */
  default Condition or(Condition other) {
    return new Or(List.of(this, other));
  }

  /**
   * The negation of this condition.
   *
   * @return the negation of this condition
   */
  default Condition not() {
    return new Not(this);
  }

  /**
   * The column names this condition reads, in order of appearance (with repeats), the columns of
   * {@link ColumnOffset} operands included.
   *
   * @return the column names this condition reads, in order of appearance (with repeats)
   */
  default List<String> columns() {
    List<String> out = new ArrayList<>();
    visitLeaves(
        this,
        (column, values) -> {
          out.add(column);
          for (Object v : values) {
            if (v instanceof ColumnOffset other) {
              out.add(other.column());
            }
          }
        });
    return List.copyOf(out);
  }

  /**
   * The names of the template parameters ({@link Placeholder}s) this condition compares with, in
   * order of appearance (with repeats); empty for a condition with literal values only.
   *
   * @return an immutable list of parameter names
   */
  default List<String> placeholders() {
    List<String> out = new ArrayList<>();
    visitLeaves(
        this,
        (column, values) -> {
          for (Object v : values) {
            if (v instanceof Placeholder p) {
              out.add(p.name());
            }
          }
        });
    return List.copyOf(out);
  }

  /** Calls {@code leaf} with the column and values of every comparison and IN, in order. */
  private static void visitLeaves(Condition c, BiConsumer<String, List<Object>> leaf) {
    if (c instanceof Comparison cmp) {
      leaf.accept(cmp.column(), List.of(cmp.value()));
    } else if (c instanceof In in) {
      leaf.accept(in.column(), in.values());
    } else if (c instanceof And and) {
      and.operands().forEach(o -> visitLeaves(o, leaf));
    } else if (c instanceof Or or) {
      or.operands().forEach(o -> visitLeaves(o, leaf));
    } else {
      visitLeaves(((Not) c).operand(), leaf);
    }
  }

  /** The comparison operators. */
  enum Op {
    /** Equal. */
    EQ("="),
    /** Not equal. */
    NE("<>"),
    /** Less than. */
    LT("<"),
    /** Less than or equal. */
    LE("<="),
    /** Greater than. */
    GT(">"),
    /** Greater than or equal. */
    GE(">=");

    private final String symbol;

    Op(String symbol) {
      this.symbol = symbol;
    }

    /**
     * The operator's SQL symbol.
     *
     * @return the operator's SQL symbol
     */
    public String symbol() {
      return symbol;
    }
  }

  /**
   * {@code column op value}.
   *
   * @param column the column name, optionally qualified by its dataset
   * @param op the operator
   * @param value a {@link String}, {@link Long}, {@link Double}, {@link java.time.LocalDate},
   *     {@link java.time.Instant} or {@link Boolean}, another column with an offset ({@link
   *     ColumnOffset}), or a {@link Placeholder} in a query template
   */
  record Comparison(String column, Op op, Object value) implements Condition {
    /**
     * @param column the column name, optionally qualified by its dataset
     * @param op the operator
     * @param value a {@link String}, {@link Long}, finite {@link Double}, {@link
     *     java.time.LocalDate}, {@link java.time.Instant} or {@link Boolean}, a {@link
     *     ColumnOffset} or a {@link Placeholder}
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code column} is blank, or {@code value} is of another
     *     type, not finite, or a day or instant outside the years 1 to 9999 or finer than
     *     microseconds
     */
    public Comparison {
      Literals.checkColumn(column);
      Objects.requireNonNull(op, "op");
      value = Literals.checkOperand(value);
    }

    /** Shows the column, the operator and a column operand; never a literal value. */
    @Override
    public String toString() {
      return column + " " + op.symbol() + " " + (value instanceof ColumnOffset o ? o : "?");
    }
  }

  /**
   * {@code column IN (values)}.
   *
   * @param column the column name, optionally qualified by its dataset
   * @param values at least one value, each a {@link String}, {@link Long} or {@link Double}, or a
   *     {@link Placeholder} in a query template
   */
  record In(String column, List<Object> values) implements Condition {
    /**
     * @param column the column name, optionally qualified by its dataset
     * @param values at least one value, each a {@link String}, {@link Long}, finite {@link Double},
     *     {@link java.time.LocalDate}, {@link java.time.Instant} or {@link Boolean}, or a {@link
     *     Placeholder}
     * @throws NullPointerException if an argument or value is null
     * @throws IllegalArgumentException if {@code values} is empty or holds an unsupported value or
     *     another column ({@link ColumnOffset}: compare with it by {@link Comparison})
     */
    public In {
      Literals.checkColumn(column);
      List<Object> checked = new ArrayList<>(values.size());
      for (Object v : values) {
        if (v instanceof ColumnOffset) {
          throw new IllegalArgumentException(
              "IN takes values, not another column; compare with a column by =");
        }
        checked.add(Literals.checkOperand(v));
      }
      if (checked.isEmpty()) {
        throw new IllegalArgumentException("IN needs at least one value");
      }
      values = List.copyOf(checked);
    }

    @Override
    public String toString() {
      return column + " IN (" + values.size() + " values)";
    }
  }

  /**
   * All operands hold.
   *
   * @param operands at least two conditions
   */
  record And(List<Condition> operands) implements Condition {
    /**
     * @param operands at least two conditions
     * @throws IllegalArgumentException if there are fewer than two operands
     */
    public And {
      operands = List.copyOf(operands);
      if (operands.size() < 2) {
        throw new IllegalArgumentException("AND needs at least two operands");
      }
    }

    @Override
    public String toString() {
      return "(" + String.join(" AND ", operands.stream().map(Object::toString).toList()) + ")";
    }
  }

  /**
   * At least one operand holds.
   *
   * @param operands at least two conditions
   */
  record Or(List<Condition> operands) implements Condition {
    /**
     * @param operands at least two conditions
     * @throws IllegalArgumentException if there are fewer than two operands
     */
    public Or {
      operands = List.copyOf(operands);
      if (operands.size() < 2) {
        throw new IllegalArgumentException("OR needs at least two operands");
      }
    }

    @Override
    public String toString() {
      return "(" + String.join(" OR ", operands.stream().map(Object::toString).toList()) + ")";
    }
  }

  /**
   * The operand does not hold.
   *
   * @param operand the negated condition
   */
  record Not(Condition operand) implements Condition {
    /**
     * @param operand the negated condition
     * @throws NullPointerException if {@code operand} is null
     */
    public Not {
      Objects.requireNonNull(operand, "operand");
    }

    @Override
    public String toString() {
      return "NOT " + operand;
    }
  }
}
