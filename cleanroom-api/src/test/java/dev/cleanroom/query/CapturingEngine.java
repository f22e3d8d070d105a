package dev.cleanroom.query;

import dev.cleanroom.engine.QueryEngine;
import java.util.ArrayList;
import java.util.List;

/** A test {@link QueryEngine} that records the specs it is given and returns empty answers. */
final class CapturingEngine implements QueryEngine {
  private final List<QuerySpec> runs = new ArrayList<>();
  private final List<QuerySpec> explains = new ArrayList<>();

  @Override
  public Result run(QuerySpec spec) {
    runs.add(spec);
    return new Result("query-" + runs.size(), List.of(), List.of());
  }

  @Override
  public Explanation explain(QuerySpec spec) {
    explains.add(spec);
    return new Explanation(spec, List.of("scan"), List.of(), 2, 1, 1);
  }

  /** The specs passed to {@link #run}, in order. */
  List<QuerySpec> runs() {
    return runs;
  }

  /** The specs passed to {@link #explain}, in order. */
  List<QuerySpec> explains() {
    return explains;
  }
}
