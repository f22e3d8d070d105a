package dev.cleanroom.query;

import java.util.List;

/** The grouped stage of a query: only aggregates may follow. */
public final class GroupedStage {
  private final RowStage rows;
  private final List<String> groupBy;

  GroupedStage(RowStage rows, List<String> groupBy) {
    this.rows = rows;
    this.groupBy = List.copyOf(groupBy);
  }

  /**
   * The aggregates to compute per group, at least one.
   *
   * @param aggregates the aggregates, at least one
   * @return the aggregates to compute per group, at least one
   */
  public FinalStage select(Aggregate... aggregates) {
    return rows.finish(groupBy, List.of(aggregates));
  }
}
