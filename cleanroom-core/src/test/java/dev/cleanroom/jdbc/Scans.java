package dev.cleanroom.jdbc;

import dev.cleanroom.Column;
import dev.cleanroom.query.Condition;
import dev.cleanroom.spi.ColumnBatch;
import dev.cleanroom.spi.DataSource;
import dev.cleanroom.spi.Scan;
import dev.cleanroom.spi.ScanRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Reads whole scans into rows, and evaluates conditions the way the engine does in Java. */
final class Scans {
  private Scans() {}

  /** All rows of a scan, each a list of String, Long and Double values; the scan is closed. */
  static List<List<Object>> rows(DataSource source, ScanRequest request) {
    List<List<Object>> out = new ArrayList<>();
    try (Scan scan = source.scan(request)) {
      for (Optional<ColumnBatch> b = scan.next(); b.isPresent(); b = scan.next()) {
        addRows(b.get(), out);
      }
    }
    return out;
  }

  /** All rows of {@code columns}, without filter. */
  static List<List<Object>> rows(DataSource source, String... columns) {
    return rows(source, ScanRequest.of(List.of(columns)));
  }

  /** The rows of a batch. */
  static void addRows(ColumnBatch batch, List<List<Object>> out) {
    List<Column> columns = batch.columns();
    for (int r = 0; r < batch.rowCount(); r++) {
      List<Object> row = new ArrayList<>(columns.size());
      for (int c = 0; c < columns.size(); c++) {
        row.add(
            switch (columns.get(c).type()) {
              case STRING -> batch.strings(c)[r];
              case LONG, DATE, TIMESTAMP, BOOLEAN -> batch.longs(c)[r];
              case DOUBLE -> batch.doubles(c)[r];
            });
      }
      out.add(row);
    }
  }

  /** The batch sizes of a scan; the scan is closed. */
  static List<Integer> batchSizes(DataSource source, ScanRequest request) {
    List<Integer> sizes = new ArrayList<>();
    try (Scan scan = source.scan(request)) {
      for (Optional<ColumnBatch> b = scan.next(); b.isPresent(); b = scan.next()) {
        sizes.add(b.get().rowCount());
      }
    }
    return sizes;
  }

  /**
   * Whether {@code c} holds for a row (values by column name: String, Long or Double), by the
   * engine's rules: text compares by {@link String#compareTo}; numbers as doubles with -0.0 equal
   * to 0.0, where NaN satisfies only "not equal"; whole numbers exactly.
   */
  static boolean holds(Condition c, Map<String, Object> row) {
    if (c instanceof Condition.Comparison cmp) {
      return compare(row.get(cmp.column()), cmp.op(), cmp.value());
    }
    if (c instanceof Condition.In in) {
      return in.values().stream().anyMatch(v -> compare(row.get(in.column()), Condition.Op.EQ, v));
    }
    if (c instanceof Condition.And and) {
      return and.operands().stream().allMatch(o -> holds(o, row));
    }
    if (c instanceof Condition.Or or) {
      return or.operands().stream().anyMatch(o -> holds(o, row));
    }
    return !holds(((Condition.Not) c).operand(), row);
  }

  private static boolean compare(Object value, Condition.Op op, Object literal) {
    int cmp;
    if (value instanceof String s) {
      cmp = s.compareTo((String) literal);
    } else if (value instanceof Long l) {
      cmp = Long.compare(l, (Long) literal);
    } else {
      double v = (Double) value + 0.0;
      if (Double.isNaN(v)) {
        return op == Condition.Op.NE;
      }
      cmp = Double.compare(v, ((Number) literal).doubleValue() + 0.0);
    }
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
