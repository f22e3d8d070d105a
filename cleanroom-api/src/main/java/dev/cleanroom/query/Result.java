package dev.cleanroom.query;

import java.io.IOException;
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
   * Writes the result as CSV (RFC 4180: comma-separated, CRLF line ends, fields with commas,
   * quotes, control characters or surrounding spaces quoted, empty text quoted as {@code ""}).
   *
   * <p>The header names the result's columns; in a differentially private result each aggregate
   * column {@code a} is followed by {@code a.noise_scale}, {@code a.ci95_lower} and {@code
   * a.ci95_upper} (empty for exact cells). Every row ends with {@code privacy.epsilon} and {@code
   * privacy.delta}, the ε and δ the query spent (zero in threshold mode). Numbers are written with
   * {@link Double#toString(double)} and {@link Long#toString(long)}, independent of the locale. The
   * ledgers are in {@link #toJson()} only.
   *
   * @param out where to write
   * @throws IOException if {@code out} fails
   */
  public void writeCsv(Appendable out) throws IOException {
    ResultExport.writeCsv(this, java.util.Objects.requireNonNull(out, "out"));
  }

  /**
   * The result as CSV; see {@link #writeCsv(Appendable)}.
   *
   * @return the CSV text
   */
  public String toCsv() {
    return ResultExport.toText(this, ResultExport::writeCsv);
  }

  /**
   * Writes the result as one JSON object (RFC 8259, UTF-8 text): {@code queryId}; {@code columns}
   * (name, type, aggregate); {@code rows}, each with its {@code values} in column order and its
   * {@code noise} per column ({@code null} for exact cells, otherwise mechanism, scale, confidence
   * and the interval's lower and upper ends); and {@code privacy}: ε and δ spent, the split, each
   * charged ledger with what it has left, and whether the answer was repeated. NaN, which JSON
   * cannot express, is written as {@code null}.
   *
   * @param out where to write
   * @throws IOException if {@code out} fails
   */
  public void writeJson(Appendable out) throws IOException {
    ResultExport.writeJson(this, java.util.Objects.requireNonNull(out, "out"));
  }

  /**
   * The result as JSON; see {@link #writeJson(Appendable)}.
   *
   * @return the JSON text
   */
  public String toJson() {
    return ResultExport.toText(this, ResultExport::writeJson);
  }

  /**
   * The released rows as an aligned text table, one line per row, numbers right-aligned; a noisy
   * cell shows the half-width of its 95% confidence interval after {@code ±}. Control characters in
   * text are shown as Java-style escapes (a line break as {@code \n}) so that every row stays on
   * one line; a result without rows says so under the header.
   *
   * @return the table, with a line separator after every line
   */
  public String toTable() {
    List<String[]> cells = new ArrayList<>();
    String[] header = new String[columns.size()];
    for (int i = 0; i < header.length; i++) {
      header[i] = ResultExport.tableCell(columns.get(i).name());
    }
    cells.add(header);
    for (ResultRow row : rows) {
      String[] line = new String[columns.size()];
      for (int i = 0; i < line.length; i++) {
        line[i] = ResultExport.tableCell(format(row.get(i)));
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
        width[i] = Math.max(width[i], displayWidth(line[i]));
      }
    }
    StringBuilder sb = new StringBuilder();
    for (int r = 0; r < cells.size(); r++) {
      String[] line = cells.get(r);
      for (int i = 0; i < line.length; i++) {
        boolean right = columns.get(i).type().isNumeric();
        String pad = " ".repeat(width[i] - displayWidth(line[i]));
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

  /** The width of a cell in code points, so that letters outside the BMP count once. */
  private static int displayWidth(String s) {
    return s.codePointCount(0, s.length());
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
