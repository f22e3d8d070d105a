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
}
