package dev.cleanroom.report;

import dev.cleanroom.BudgetBalance;
import dev.cleanroom.ColumnType;
import dev.cleanroom.Dataset;
import dev.cleanroom.query.CellNoise;
import dev.cleanroom.query.LedgerStatus;
import dev.cleanroom.query.PrivacyReport;
import dev.cleanroom.query.Result;
import dev.cleanroom.query.ResultColumn;
import dev.cleanroom.query.ResultRow;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;

/**
 * A static HTML page that shows released results to people: per result, a bar chart of every
 * numeric aggregate with the number on every bar, a value axis with ticks, the 95% confidence
 * interval of every noisy value as whiskers, and a table of every released row; groups the host
 * expected but the room did not release are stated as suppressed, with no value. After the results,
 * a readable summary of each owner's policy and the budget left.
 *
 * <p>The page is one self-contained file: inline CSS and inline SVG, no scripts, no fonts, images
 * or styles loaded from anywhere, every text HTML-escaped. It shows only what the results released
 * and what the policies and ledgers say: never a row, an id or a value of a person.
 *
 * <pre>{@code
 * Result conversions = room.as("advertiser").from("publisher.impressions")
 *     .join("advertiser.conversions").onUserId().groupBy("campaignId")
 *     .select(countDistinctUsers().as("converters")).epsilon(1.0).run();
 * HtmlReport report = HtmlReport.builder("Campaign measurement")
 *     .result("Converters per campaign", conversions)
 *     .dataset(impressions)                        // the Dataset the host registered
 *     .budgets(room.budgets("advertiser"))
 *     .build();
 * report.writeTo(Path.of("report.html"));
 * }</pre>
 */
public final class HtmlReport {
  private final String title;
  private final String html;
  private final int sections;

  private HtmlReport(String title, String html, int sections) {
    this.title = title;
    this.html = html;
    this.sections = sections;
  }

  /**
   * A builder of a report titled {@code title}.
   *
   * @param title the page's title and heading
   * @return a new builder
   * @throws NullPointerException if {@code title} is null
   */
  public static Builder builder(String title) {
    return new Builder(Objects.requireNonNull(title, "title"));
  }

  /**
   * The page of one result, with no policies and the budget its privacy report states.
   *
   * @param title the page's title
   * @param result the result to show
   * @return the report
   * @throws NullPointerException if an argument is null
   */
  public static HtmlReport of(String title, Result result) {
    return builder(title).result(title, result).build();
  }

  /**
   * The page as HTML text (UTF-8 when written).
   *
   * @return the page
   */
  public String html() {
    return html;
  }

  /**
   * Writes the page to {@code file} in UTF-8, replacing it if it exists.
   *
   * @param file where to write
   * @throws IOException if the file cannot be written
   */
  public void writeTo(Path file) throws IOException {
    Files.writeString(Objects.requireNonNull(file, "file"), html, StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return "HtmlReport[" + title + ", " + sections + " results]";
  }

  /**
   * Collects a report's parts; {@link #build()} renders the page. Results, datasets and budgets
   * appear in the order given.
   */
  public static final class Builder {
    private final String title;
    private final List<Section> sections = new ArrayList<>();
    private final Map<String, Dataset> datasets = new LinkedHashMap<>();
    private List<BudgetBalance> budgets;

    private Builder(String title) {
      this.title = title;
    }

    /**
     * Adds a result under its own heading.
     *
     * @param heading the section's heading
     * @param result the released result
     * @return this builder
     * @throws NullPointerException if an argument is null
     */
    public Builder result(String heading, Result result) {
      sections.add(
          new Section(
              Objects.requireNonNull(heading, "heading"),
              Objects.requireNonNull(result, "result"),
              Optional.empty()));
      return this;
    }

    /**
     * Adds a result whose groups the host knows in advance, such as the public groups of a
     * differentially private query or a public grid: each expected group the result does not
     * contain is shown as suppressed, with no value, in the chart and the table.
     *
     * @param heading the section's heading
     * @param result the released result
     * @param expectedGroups the groups, each as its values in the order of the result's group
     *     columns
     * @return this builder
     * @throws NullPointerException if an argument or group value is null
     * @throws IllegalArgumentException if a group does not have one value per group column
     */
    public Builder result(
        String heading, Result result, Collection<? extends List<?>> expectedGroups) {
      Objects.requireNonNull(heading, "heading");
      Objects.requireNonNull(result, "result");
      int groupColumns = groupColumns(result).size();
      List<List<String>> keys = new ArrayList<>();
      for (List<?> g : expectedGroups) {
        if (g.size() != groupColumns) {
          throw new IllegalArgumentException(
              "an expected group needs one value per group column: "
                  + groupColumns
                  + " columns; provided values: "
                  + g.size());
        }
        List<String> key = new ArrayList<>();
        for (Object v : g) {
          key.add(String.valueOf(Objects.requireNonNull(v, "group value")));
        }
        keys.add(List.copyOf(key));
      }
      sections.add(new Section(heading, result, Optional.of(List.copyOf(keys))));
      return this;
    }

    /**
     * Adds a summary of {@code dataset}'s policy: owner, analysts, minimum people per row,
     * differential-privacy budget, contribution bounds, join keys, dimensions, metric bounds and
     * allowed aggregates, cohorts, query limits. Only the declarations are read, never the data.
     *
     * @param dataset a dataset the host registered
     * @return this builder
     * @throws NullPointerException if {@code dataset} is null
     * @throws IllegalArgumentException if a dataset of the same qualified name was added
     */
    public Builder dataset(Dataset dataset) {
      Objects.requireNonNull(dataset, "dataset");
      if (datasets.putIfAbsent(dataset.qualifiedName(), dataset) != null) {
        throw new IllegalArgumentException(
            "dataset was already added; provided value: " + dataset.qualifiedName());
      }
      return this;
    }

    /**
     * The budget ledgers to show, as the room reports them now ({@code room.budgets(analyst)} or
     * {@code room.ownerBudgets(owner)}). Without them the report shows what the results' privacy
     * reports say each charged ledger has left.
     *
     * @param balances the ledgers
     * @return this builder
     * @throws NullPointerException if {@code balances} or an element is null
     * @throws IllegalStateException if the budgets were already set
     */
    public Builder budgets(Collection<BudgetBalance> balances) {
      if (budgets != null) {
        throw new IllegalStateException("budgets were already set");
      }
      budgets = List.copyOf(balances);
      return this;
    }

    /**
     * Renders the page.
     *
     * @return the report
     * @throws IllegalStateException if no result was added
     */
    public HtmlReport build() {
      if (sections.isEmpty()) {
        throw new IllegalStateException("a report needs at least one result");
      }
      StringBuilder sb = new StringBuilder(16_384);
      sb.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
      sb.append("<title>").append(Html.escape(title)).append("</title>\n");
      sb.append("<style>").append(CSS).append("</style>\n</head>\n<body>\n");
      sb.append("<h1>").append(Html.escape(title)).append("</h1>\n");
      sb.append("<p class=\"lead\">Only released answers appear here: aggregates over groups of")
          .append(" people that passed every owner's rules. No row, id or value of a person is")
          .append(" shown.</p>\n");
      for (Section s : sections) {
        s.render(sb);
      }
      if (!datasets.isEmpty()) {
        sb.append("<h2>Policies</h2>\n");
        for (Dataset d : datasets.values()) {
          sb.append("<section class=\"policy\">\n<h3>").append(Html.escape(d.qualifiedName()));
          sb.append("</h3>\n<table class=\"rules\">\n");
          for (PolicySummary.Line l : PolicySummary.of(d)) {
            sb.append("<tr><th scope=\"row\">").append(Html.escape(l.rule())).append("</th><td>");
            sb.append(Html.escape(l.text())).append("</td></tr>\n");
          }
          sb.append("</table>\n</section>\n");
        }
      }
      budget(sb);
      sb.append("</body>\n</html>\n");
      return new HtmlReport(title, sb.toString(), sections.size());
    }

    private void budget(StringBuilder sb) {
      sb.append("<h2>Budget left</h2>\n");
      if (budgets != null) {
        if (budgets.isEmpty()) {
          sb.append("<p>No ledger: no dataset limits this analyst's budget or queries.</p>\n");
          return;
        }
        Map<String, LedgerStatus> charged = latestLedgers();
        sb.append("<table class=\"data budget\">\n<tr><th>ledger</th><th>analyst</th>")
            .append("<th>counts</th><th>period</th><th>spent</th><th>limit</th><th>left</th>")
            .append("<th>δ spent</th><th>δ left</th><th>queries left</th></tr>\n");
        for (BudgetBalance b : budgets) {
          boolean privacy = b.kind() == BudgetBalance.Kind.PRIVACY;
          sb.append("<tr><td>").append(Html.escape(b.ledger())).append("</td><td>");
          sb.append(Html.escape(b.analyst())).append("</td><td>");
          sb.append(privacy ? "ε" : "queries").append("</td><td>");
          sb.append(Html.escape(b.periodName())).append("</td><td class=\"num\">");
          sb.append(b.spent().toPlainString()).append("</td><td class=\"num\">");
          sb.append(b.limit().toPlainString()).append("</td><td class=\"num\">");
          sb.append(b.left().toPlainString()).append("</td><td class=\"num\">");
          sb.append(privacy ? b.deltaSpent().toPlainString() : "")
              .append("</td><td class=\"num\">");
          sb.append(privacy ? b.deltaLeft().toPlainString() : "").append("</td><td>");
          sb.append(Html.escape(queriesLeft(b, charged.get(b.ledger())))).append("</td></tr>\n");
        }
        sb.append("</table>\n<p class=\"note\">Queries left: for a query-count ledger, the")
            .append(" queries it still allows; for a privacy ledger that a result in this report")
            .append(" charged, how many more queries charging it as much as the last of them (the")
            .append(" same datasets, aggregates and groups with the same ε and δ) the ε and δ")
            .append(" left can pay; unknown for the others.</p>\n");
        return;
      }
      Map<String, LedgerStatus> latest = latestLedgers();
      if (latest.isEmpty()) {
        sb.append("<p>No ledger was charged: threshold-mode results spend no budget.</p>\n");
        return;
      }
      sb.append("<p>As the results' privacy reports state it, after the last query that charged")
          .append(" each ledger.</p>\n");
      sb.append("<table class=\"data budget\">\n<tr><th>ledger</th><th>ε charged</th>")
          .append("<th>ε left</th><th>δ charged</th><th>δ left</th><th>queries left</th></tr>\n");
      for (LedgerStatus l : latest.values()) {
        sb.append("<tr><td>").append(Html.escape(l.ledger())).append("</td><td class=\"num\">");
        sb.append(l.epsilonCharged().toPlainString()).append("</td><td class=\"num\">");
        sb.append(l.epsilonRemaining().toPlainString()).append("</td><td class=\"num\">");
        sb.append(l.deltaCharged().toPlainString()).append("</td><td class=\"num\">");
        sb.append(l.deltaRemaining().toPlainString()).append("</td><td>");
        sb.append(Html.escape(queriesLeft(l.queriesLeft()))).append("</td></tr>\n");
      }
      sb.append("</table>\n<p class=\"note\">Queries left: how many more queries charging the")
          .append(" ledger as much as the last one (the same datasets, aggregates and groups with")
          .append(" the same ε and δ) it can pay.</p>\n");
    }

    /** Each ledger the results charged, as the last result that charged it left it. */
    private Map<String, LedgerStatus> latestLedgers() {
      Map<String, LedgerStatus> latest = new LinkedHashMap<>();
      for (Section s : sections) {
        for (LedgerStatus l : s.result().privacy().ledgers()) {
          latest.put(l.ledger(), l);
        }
      }
      return latest;
    }

    /**
     * The queries a ledger allows now: the count left for a query ledger; for a privacy ledger that
     * {@code charged} tells what a query charges, the queries like it that the ε and δ left pay.
     */
    private static String queriesLeft(BudgetBalance b, LedgerStatus charged) {
      if (b.kind() == BudgetBalance.Kind.QUERIES) {
        return b.left().toPlainString();
      }
      if (charged == null) {
        return "unknown";
      }
      return queriesLeft(
          new LedgerStatus(
                  charged.ledger(),
                  charged.dataset(),
                  charged.epsilonCharged(),
                  charged.deltaCharged(),
                  b.left(),
                  b.deltaLeft())
              .queriesLeft());
    }

    private static String queriesLeft(long n) {
      return n == Long.MAX_VALUE ? "no limit: it charged nothing" : n + " more like it";
    }
  }

  private static final String CSS =
      "body{font-family:sans-serif;font-size:14px;max-width:62em;margin:1.5em auto;padding:0 1em;"
          + "color:#1d2430;background:#fff}"
          + "h1{font-size:1.6em}h2{font-size:1.3em;margin-top:1.8em;border-bottom:1px solid #ccd}"
          + "h3{font-size:1.05em}"
          + "table{border-collapse:collapse;margin:.6em 0}"
          + "td,th{border:1px solid #c6cbd4;padding:.25em .6em;text-align:left;vertical-align:top}"
          + "th{background:#eef1f6}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
          + "td.suppressed{color:#7a4b00;font-style:italic}td.undefined{color:#555;font-style:italic}"
          + ".note{font-size:.9em;color:#444}"
          + "table.rules th{width:13em;font-weight:600}"
          + "figure{margin:1em 0}figcaption{font-size:.9em;color:#444;max-width:760px}"
          + "svg.chart text{font-family:sans-serif;font-size:12px;fill:#1d2430}"
          + "svg.chart .bar{fill:#2f6db5}svg.chart .ci{stroke:#111;stroke-width:1.5;fill:none}"
          + "svg.chart .grid{stroke:#e3e6eb}svg.chart .axis,svg.chart .tick{stroke:#555}"
          + "svg.chart .axis-title{font-weight:600}"
          + "svg.chart .value.suppressed{fill:#7a4b00;font-style:italic}"
          + ".privacy{background:#f5f7fa;border-left:4px solid #2f6db5;padding:.4em .8em}"
          + ".lead{color:#444}";

  private static List<Integer> groupColumns(Result result) {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < result.columns().size(); i++) {
      if (!result.columns().get(i).aggregate()) {
        out.add(i);
      }
    }
    return out;
  }

  private static String percent(double level) {
    return String.format(Locale.ROOT, "%.0f%%", level * 100);
  }

  /**
   * One result with its heading and, if known, the groups expected in it.
   *
   * @param heading the heading
   * @param result the result
   * @param expected the expected groups' keys, if the host gave them
   */
  private record Section(String heading, Result result, Optional<List<List<String>>> expected) {
    /** The released rows and the suppressed groups in display order; a null row is suppressed. */
    private List<Map.Entry<List<String>, ResultRow>> entries() {
      List<Integer> groups = groupColumns(result);
      Map<List<String>, ResultRow> released = new LinkedHashMap<>();
      for (ResultRow row : result.rows()) {
        List<String> key = new ArrayList<>();
        for (int i : groups) {
          key.add(String.valueOf(row.get(i)));
        }
        released.put(List.copyOf(key), row);
      }
      List<Map.Entry<List<String>, ResultRow>> out = new ArrayList<>();
      if (expected.isPresent()) {
        for (List<String> key : expected.get()) {
          out.add(new java.util.AbstractMap.SimpleImmutableEntry<>(key, released.remove(key)));
        }
      }
      for (Map.Entry<List<String>, ResultRow> e : released.entrySet()) {
        out.add(new java.util.AbstractMap.SimpleImmutableEntry<>(e.getKey(), e.getValue()));
      }
      return out;
    }

    void render(StringBuilder sb) {
      List<Integer> groups = groupColumns(result);
      List<Map.Entry<List<String>, ResultRow>> entries = entries();
      long suppressed = entries.stream().filter(e -> e.getValue() == null).count();
      List<String> groupNames = new ArrayList<>();
      for (int i : groups) {
        groupNames.add(result.columns().get(i).name());
      }
      String groupAxis = groupNames.isEmpty() ? "all people" : String.join(" / ", groupNames);

      sb.append("<section class=\"result\">\n<h2>").append(Html.escape(heading)).append("</h2>\n");
      PrivacyReport privacy = result.privacy();
      sb.append("<p class=\"privacy\">");
      if (privacy.differentiallyPrivate()) {
        sb.append("Differentially private: this query spent ε = ")
            .append(privacy.epsilon().toPlainString());
        if (privacy.delta().signum() != 0) {
          sb.append(" and δ = ").append(privacy.delta().toPlainString());
        }
        if (!privacy.split().isEmpty()) {
          sb.append(" (").append(Html.escape(String.join("; ", privacy.split()))).append(')');
        }
        sb.append(". Each number is a released, noisy value; the whiskers and the table show the ")
            .append(percent(CellNoise.CONFIDENCE))
            .append(" confidence interval of the true value.");
        if (privacy.repeated()) {
          sb.append(
              " This is the stored answer of an identical earlier query: nothing was charged.");
        }
      } else {
        sb.append(
            "Threshold mode: exact values of groups with enough people; no noise, no budget.");
      }
      sb.append("</p>\n<p>");
      sb.append(result.size()).append(result.size() == 1 ? " row was" : " rows were");
      sb.append(" released.");
      if (expected.isPresent()) {
        sb.append(' ').append(suppressed).append(" of the ").append(expected.get().size());
        sb.append(" expected groups ").append(suppressed == 1 ? "was" : "were");
        sb.append(" suppressed: shown as such, with no value.");
      } else {
        sb.append(" Groups that were suppressed do not appear, not even as a count.");
      }
      sb.append("</p>\n");

      for (int c = 0; c < result.columns().size(); c++) {
        ResultColumn col = result.columns().get(c);
        if (!col.aggregate() || !col.type().isNumeric()) {
          continue;
        }
        boolean whole = col.type() == ColumnType.LONG;
        List<BarChart.Bar> bars = new ArrayList<>();
        TreeSet<String> mechanisms = new TreeSet<>();
        double minScale = Double.POSITIVE_INFINITY;
        double maxScale = 0;
        boolean defined = false;
        boolean undefined = false;
        boolean open = false;
        for (Map.Entry<List<String>, ResultRow> e : entries) {
          String label = groupNames.isEmpty() ? "all people" : String.join(" / ", e.getKey());
          ResultRow row = e.getValue();
          if (row == null) {
            bars.add(new BarChart.Bar(label, "", Double.NaN, Double.NaN, Double.NaN, "", true));
            continue;
          }
          double v = ((Number) row.get(c)).doubleValue();
          defined |= Double.isFinite(v);
          undefined |= Double.isNaN(v);
          Optional<CellNoise> n = row.noise().get(c);
          if (n.isPresent()) {
            mechanisms.add(n.get().mechanism());
            minScale = Math.min(minScale, n.get().scale());
            maxScale = Math.max(maxScale, n.get().scale());
            open |= Double.isInfinite(n.get().lower()) || Double.isInfinite(n.get().upper());
          }
          double lower = n.map(CellNoise::lower).orElse(v);
          double upper = n.map(CellNoise::upper).orElse(v);
          bars.add(
              new BarChart.Bar(
                  label,
                  Html.value(row.get(c)),
                  v,
                  lower,
                  upper,
                  Html.interval(lower, upper, whole),
                  false));
        }
        if (!defined) {
          // No row has a value to draw (a lift whose baseline was not released): the table says so.
          continue;
        }
        StringBuilder caption = new StringBuilder();
        caption.append(col.name()).append(" per ").append(groupAxis).append(". ");
        if (mechanisms.isEmpty()) {
          caption.append("Exact values; the number after each bar is the released value.");
        } else if (maxScale == 0) {
          // A ratio or lift: post-processing of released values, with an interval but no noise.
          caption
              .append("Computed from the released values, with no noise of its own; the number")
              .append(" after each bar is its value, the whiskers span the ")
              .append(percent(CellNoise.CONFIDENCE))
              .append(" confidence interval of the true value (")
              .append(String.join("; ", mechanisms))
              .append(").");
        } else {
          caption
              .append("The number after each bar is the released, noisy value; the whiskers")
              .append(" span the ")
              .append(percent(CellNoise.CONFIDENCE))
              .append(" confidence interval of the true value (noise: ")
              .append(String.join(", ", mechanisms))
              .append(", scale ")
              .append(Html.number(minScale, whole && minScale >= 10));
          if (maxScale > minScale) {
            caption.append(" to ").append(Html.number(maxScale, whole && minScale >= 10));
          }
          caption.append(").");
        }
        if (open) {
          caption.append(
              " An interval without an end (∞) runs to the edge of the chart and ends in an"
                  + " arrow.");
        }
        if (undefined) {
          caption.append(" Rows marked undefined have no value and no bar.");
        }
        if (suppressed > 0) {
          caption.append(" Suppressed groups have no bar and no value.");
        }
        BarChart.render(sb, groupAxis, col.name(), caption.toString(), bars);
      }
      table(sb, groups, entries);
      sb.append("</section>\n");
    }

    private void table(
        StringBuilder sb, List<Integer> groups, List<Map.Entry<List<String>, ResultRow>> entries) {
      List<ResultColumn> cols = result.columns();
      boolean[] noisy = new boolean[cols.size()];
      for (ResultRow row : result.rows()) {
        for (int c = 0; c < cols.size(); c++) {
          noisy[c] |= row.noise().get(c).isPresent();
        }
      }
      int aggregateCells = 0;
      sb.append("<table class=\"data\">\n<tr>");
      if (groups.isEmpty()) {
        sb.append("<th>group</th>");
      }
      for (int c = 0; c < cols.size(); c++) {
        sb.append("<th>").append(Html.escape(cols.get(c).name())).append("</th>");
        if (cols.get(c).aggregate()) {
          aggregateCells++;
        }
        if (noisy[c]) {
          sb.append("<th>").append(Html.escape(cols.get(c).name())).append(": ");
          sb.append(percent(CellNoise.CONFIDENCE)).append(" interval</th>");
          aggregateCells++;
        }
      }
      sb.append("</tr>\n");
      boolean undefined = false;
      boolean open = false;
      for (Map.Entry<List<String>, ResultRow> e : entries) {
        ResultRow row = e.getValue();
        sb.append("<tr>");
        if (groups.isEmpty()) {
          sb.append("<td>all people</td>");
        }
        if (row == null) {
          for (String v : e.getKey()) {
            sb.append("<td>").append(Html.escape(v)).append("</td>");
          }
          sb.append("<td class=\"suppressed\" colspan=\"").append(aggregateCells);
          sb.append("\">suppressed: not released</td></tr>\n");
          continue;
        }
        for (int c = 0; c < cols.size(); c++) {
          Object v = row.get(c);
          boolean nan = v instanceof Double d && d.isNaN();
          undefined |= nan;
          sb.append(
              nan
                  ? "<td class=\"num undefined\">"
                  : v instanceof Number ? "<td class=\"num\">" : "<td>");
          sb.append(Html.escape(Html.value(v))).append("</td>");
          if (noisy[c]) {
            Optional<CellNoise> n = row.noise().get(c);
            if (n.isPresent()) {
              boolean whole = cols.get(c).type() == ColumnType.LONG;
              open |= Double.isInfinite(n.get().lower()) || Double.isInfinite(n.get().upper());
              sb.append("<td class=\"num\">");
              sb.append(Html.escape(Html.interval(n.get().lower(), n.get().upper(), whole)));
            } else {
              sb.append(nan ? "<td class=\"num undefined\">none" : "<td class=\"num\">exact");
            }
            sb.append("</td>");
          }
        }
        sb.append("</tr>\n");
      }
      sb.append("</table>\n");
      if (undefined) {
        sb.append("<p class=\"note\">undefined: the column has no value on this row: a ratio")
            .append(" whose denominator is 0, or a lift on a row other than the group it")
            .append(" compares, or whose baseline row was not released.</p>\n");
      }
      if (open) {
        sb.append("<p class=\"note\">An interval with ∞ is open on that side: the interval of")
            .append(" a ratio's denominator reaches 0, so the ratio has no bound there.</p>\n");
      }
    }
  }
}
