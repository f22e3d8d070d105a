package dev.cleanroom.examples;

import dev.cleanroom.query.CellNoise;
import dev.cleanroom.query.Result;
import dev.cleanroom.query.ResultRow;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One answer of a benchmark shot, in the form the reference check reads: the released rows of a
 * query (campaign, converters, revenue, and for a noisy cell its reported noise scale), or the
 * number of rows a load read. The forked benchmark JVMs write their answers to text files; {@link
 * PerfTable} reads them back and checks them ({@link PerfCheck}).
 *
 * @param loadedRows the rows a load read, or -1 for a query's answer
 * @param cells the released rows of a query, by campaign; empty for a load
 */
record PerfAnswer(long loadedRows, List<Cell> cells) {
  /**
   * One released row.
   *
   * @param campaign the campaign id
   * @param converters the (noisy) number of converting users
   * @param revenue the (noisy) summed purchase value
   * @param converterScale the reported noise scale of {@code converters}; NaN if exact or unknown
   * @param revenueScale the reported noise scale of {@code revenue}; NaN if exact or unknown
   */
  record Cell(
      long campaign,
      double converters,
      double revenue,
      double converterScale,
      double revenueScale) {
    /** A row without reported noise. */
    static Cell exact(long campaign, double converters, double revenue) {
      return new Cell(campaign, converters, revenue, Double.NaN, Double.NaN);
    }
  }

  PerfAnswer {
    cells = List.copyOf(cells);
  }

  /** A query's answer. */
  static PerfAnswer of(List<Cell> cells) {
    return new PerfAnswer(-1, cells);
  }

  /** A load's answer. */
  static PerfAnswer loaded(long rows) {
    return new PerfAnswer(rows, List.of());
  }

  /**
   * The answer of whatever a benchmark returned: a {@link Result} of our engine, a {@link
   * PerfAnswer} (DuckDB), the baseline's map of campaign to {converters, revenue}, or a load's row
   * count.
   *
   * @throws IllegalArgumentException for anything else
   */
  static PerfAnswer from(Object answer) {
    if (answer instanceof PerfAnswer a) {
      return a;
    }
    if (answer instanceof Result r) {
      List<Cell> cells = new ArrayList<>();
      boolean revenue = r.columns().stream().anyMatch(c -> c.name().equals("revenue"));
      for (ResultRow row : r.rows()) {
        if (!revenue) {
          cells.add(
              Cell.exact(row.getLong("campaign_id"), row.getDouble("converters"), Double.NaN));
          continue;
        }
        cells.add(
            new Cell(
                row.getLong("campaign_id"),
                row.getDouble("converters"),
                row.getDouble("revenue"),
                row.noise("converters").map(CellNoise::scale).orElse(Double.NaN),
                row.noise("revenue").map(CellNoise::scale).orElse(Double.NaN)));
      }
      return of(cells);
    }
    if (answer instanceof Map<?, ?> m) {
      List<Cell> cells = new ArrayList<>();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        double[] v = (double[]) e.getValue();
        cells.add(Cell.exact(((Number) e.getKey()).longValue(), v[0], v[1]));
      }
      return of(cells);
    }
    if (answer instanceof Number n) {
      return loaded(n.longValue());
    }
    throw new IllegalArgumentException(
        "not a benchmark answer: " + (answer == null ? "null" : answer.getClass().getName()));
  }

  /** Writes {@code answers} to {@code file}, one block per answer; see {@link #read}. */
  static void write(Path file, Collection<PerfAnswer> answers) throws IOException {
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      for (PerfAnswer a : answers) {
        w.write("answer " + a.loadedRows() + " " + a.cells().size() + "\n");
        for (Cell c : a.cells()) {
          // Double.toString reads back as the same double.
          w.write(
              String.format(
                  Locale.ROOT,
                  "%d %s %s %s %s%n",
                  c.campaign(),
                  Double.toString(c.converters()),
                  Double.toString(c.revenue()),
                  Double.toString(c.converterScale()),
                  Double.toString(c.revenueScale())));
        }
      }
    }
  }

  /** Reads the answers that {@link #write} wrote. */
  static List<PerfAnswer> read(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    List<PerfAnswer> out = new ArrayList<>();
    int i = 0;
    while (i < lines.size()) {
      String[] head = lines.get(i++).split(" ");
      if (head.length != 3 || !head[0].equals("answer")) {
        throw new IOException(file + ": line " + i + " does not start an answer");
      }
      long loaded = Long.parseLong(head[1]);
      int n = Integer.parseInt(head[2]);
      List<Cell> cells = new ArrayList<>(n);
      for (int k = 0; k < n; k++) {
        String[] f = lines.get(i++).split(" ");
        cells.add(
            new Cell(
                Long.parseLong(f[0]),
                Double.parseDouble(f[1]),
                Double.parseDouble(f[2]),
                Double.parseDouble(f[3]),
                Double.parseDouble(f[4])));
      }
      out.add(new PerfAnswer(loaded, cells));
    }
    return out;
  }
}
