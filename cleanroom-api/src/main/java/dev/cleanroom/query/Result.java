package dev.cleanroom.query;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The released answer of a query: only rows that passed every privacy rule. Rows that were
 * suppressed are not reachable in any way, not even as a count.
 *
 * @param queryId an identifier of this run, also recorded in the audit trail
 * @param columns group columns first, then one column per aggregate
 * @param rows the released rows, ordered by their group values
 * @param privacy what the result cost: ε and δ spent, the split, and each ledger's balance
 */
public record Result(
    String queryId, List<ResultColumn> columns, List<ResultRow> rows, PrivacyReport privacy) {
  /**
   * @param queryId an identifier of this run, also recorded in the audit trail
   * @param columns group columns first, then one column per aggregate
   * @param rows the released rows, ordered by their group values
   * @param privacy what the result cost: ε and δ spent, the split, and each ledger's balance
   * @throws NullPointerException if an argument or element is null
   * @throws IllegalArgumentException if a row's columns are not the result's columns
   */
  public Result {
    java.util.Objects.requireNonNull(queryId, "queryId");
    columns = List.copyOf(columns);
    rows = List.copyOf(rows);
    java.util.Objects.requireNonNull(privacy, "privacy");
    for (ResultRow row : rows) {
      if (!row.columns().equals(columns)) {
        throw new IllegalArgumentException("every row must have the result's columns");
      }
    }
  }

  /**
   * A threshold-mode result.
   *
   * @param queryId an identifier of this run, also recorded in the audit trail
   * @param columns group columns first, then one column per aggregate
   * @param rows the released rows, ordered by their group values
   */
  public Result(String queryId, List<ResultColumn> columns, List<ResultRow> rows) {
    this(queryId, columns, rows, PrivacyReport.THRESHOLD_ONLY);
  }

  /**
   * The number of released rows.
   *
   * @return the number of released rows
   */
  public int size() {
    return rows.size();
  }

  /**
   * The released rows as an aligned text table, one line per row, numbers right-aligned; a noisy
   * cell shows the half-width of its 95% confidence interval after {@code ±}.
   *
   * @return the released rows as an aligned text table, one line per row, numbers right-aligned; a
   *     noisy cell shows the half-width of its 95% confidence interval after {@code ±}
   */
  public String toTable() {
    List<String[]> cells = new ArrayList<>();
    String[] header = new String[columns.size()];
    for (int i = 0; i < header.length; i++) {
      header[i] = columns.get(i).name();
    }
    cells.add(header);
    for (ResultRow row : rows) {
      String[] line = new String[columns.size()];
      for (int i = 0; i < line.length; i++) {
        line[i] = format(row.get(i));
        if (row.noise().get(i).isPresent()) {
          CellNoise n = row.noise().get(i).get();
          line[i] += " ±" + format((n.upper() - n.lower()) / 2);
        }
      }
      cells.add(line);
    }
    int[] width = new int[columns.size()];
    for (String[] line : cells) {
      for (int i = 0; i < line.length; i++) {
        width[i] = Math.max(width[i], line[i].length());
      }
    }
    StringBuilder sb = new StringBuilder();
    for (int r = 0; r < cells.size(); r++) {
      String[] line = cells.get(r);
      for (int i = 0; i < line.length; i++) {
        boolean right = columns.get(i).type().isNumeric();
        String pad = " ".repeat(width[i] - line[i].length());
        sb.append(i == 0 ? "" : "  ").append(right ? pad + line[i] : line[i] + pad);
      }
      sb.append(System.lineSeparator());
      if (r == 0) {
        for (int i = 0; i < width.length; i++) {
          sb.append(i == 0 ? "" : "  ").append("-".repeat(width[i]));
        }
        sb.append(System.lineSeparator());
      }
    }
    return sb.toString();
  }

  private static String format(Object value) {
    if (value instanceof Double d) {
      return Double.isNaN(d) ? "NaN" : String.format(Locale.ROOT, "%,.2f", d);
    }
    if (value instanceof Long l) {
      return String.format(Locale.ROOT, "%,d", l);
    }
    return String.valueOf(value);
  }

  @Override
  public String toString() {
    return "Result[" + queryId + ", " + rows.size() + " rows]" + System.lineSeparator() + toTable();
  }
}
