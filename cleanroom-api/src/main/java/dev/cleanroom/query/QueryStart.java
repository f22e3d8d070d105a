package dev.cleanroom.query;

import dev.cleanroom.engine.QueryEngine;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** The start of a query by one analyst: choose the first dataset with {@link #from(String)}. */
public final class QueryStart {
  private final QueryEngine engine;
  private final String analyst;

  private QueryStart(QueryEngine engine, String analyst) {
    this.engine = engine;
    this.analyst = analyst;
  }

  /**
   * A query start for {@code analyst} on {@code engine}; a {@code CleanRoom} calls this, users call
   * {@code room.as(analyst)}.
   *
   * @param engine the engine that runs the query
   * @param analyst the querying party
   * @return a query start for {@code analyst} on {@code engine}; a {@code CleanRoom} calls this,
   *     users call {@code room.as(analyst)}
   */
  public static QueryStart of(QueryEngine engine, String analyst) {
    return new QueryStart(
        Objects.requireNonNull(engine, "engine"), Objects.requireNonNull(analyst, "analyst"));
  }

  /**
   * The analyst running the query.
   *
   * @return the analyst running the query
   */
  public String analyst() {
    return analyst;
  }

  /**
   * The first dataset of the query.
   *
   * @param dataset the qualified name {@code owner.name}
   * @return the first dataset of the query
   */
  public RowStage from(String dataset) {
    Objects.requireNonNull(dataset, "dataset");
    return new RowStage(engine, analyst, List.of(dataset), List.of());
  }

  /**
   * A run of the registered query template {@code templateId}, with parameter values to follow.
   *
   * @param templateId the template's identifier
   * @return a stage to give the template's parameters their values, then run or explain it
   * @throws NullPointerException if {@code templateId} is null
   */
  public TemplateStage template(String templateId) {
    Objects.requireNonNull(templateId, "templateId");
    return new TemplateStage(engine, new TemplateCall(analyst, templateId, Map.of()));
  }

  /**
   * An aggregate query written as SQL text, compiled to the same {@link QuerySpec} as the fluent
   * builder; the returned stage runs, explains and submits it exactly as the builder's, and takes
   * {@code epsilon}, {@code budget}, {@code noise} and {@code publicGroups} unless the text already
   * sets them. For example:
   *
   * <pre>{@code
   * room.as("advertiser").sql("""
   *     SELECT campaign_id, COUNT(DISTINCT USER_ID) AS converters, SUM(purchase_value) AS revenue
   *     FROM publisher.impressions JOIN advertiser.conversions USING (USER_ID)
   *     WHERE country = 'DE'
   *     GROUP BY campaign_id""").epsilon(0.5).run();
   * }</pre>
   *
   * <p>The README's section "SQL text" lists the supported subset; {@link QuerySpec#toSql()} writes
   * any query in it.
   *
   * @param sql the query's text
   * @return the final stage of the query
   * @throws NullPointerException if {@code sql} is null
   * @throws dev.cleanroom.InvalidQueryException if the text is not in the supported subset; the
   *     message names the construct and its line and column, never a literal value
   * @throws UnsupportedOperationException if the engine has no SQL front end
   */
  public FinalStage sql(String sql) {
    Objects.requireNonNull(sql, "sql");
    return new FinalStage(engine, engine.compileSql(analyst, sql));
  }

  /**
   * A cohort written as SQL text, {@code SELECT USER_ID FROM ... [JOIN ... USING (USER_ID)] [WHERE
   * ...]}, compiled to the same stage as {@code from(...).where(...).cohort()}.
   *
   * @param sql the cohort's text
   * @return the cohort stage, to activate for a receiver
   * @throws NullPointerException if {@code sql} is null
   * @throws dev.cleanroom.InvalidQueryException if the text is not in the supported subset; the
   *     message names the construct and its line and column, never a literal value
   * @throws UnsupportedOperationException if the engine has no SQL front end
   */
  public CohortStage sqlCohort(String sql) {
    Objects.requireNonNull(sql, "sql");
    CohortSpec spec = engine.compileCohortSql(analyst, sql);
    return new CohortStage(engine, analyst, spec.datasets(), spec.where());
  }
}
