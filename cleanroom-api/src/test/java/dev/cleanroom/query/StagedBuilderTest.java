package dev.cleanroom.query;

import static dev.cleanroom.query.Dsl.col;
import static dev.cleanroom.query.Dsl.count;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static dev.cleanroom.query.Dsl.sum;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class StagedBuilderTest {
  private final CapturingEngine engine = new CapturingEngine();

  private RowStage from() {
    return QueryStart.of(engine, "a").from("p.x");
  }

  private QuerySpec run(FinalStage stage) {
    stage.run();
    return engine.runs().get(engine.runs().size() - 1);
  }

  @Test
  void from_startsWithOneDatasetAndNoFilter() {
    QueryStart start = QueryStart.of(engine, "a");
    assertEquals("a", start.analyst());
    QuerySpec spec = run(start.from("p.x").select(count()));
    assertEquals("a", spec.analyst());
    assertEquals(List.of("p.x"), spec.datasets());
    assertEquals(List.of(), spec.where());
    assertEquals(List.of(), spec.groupBy());
    assertEquals(List.of(count()), spec.aggregates());
  }

  @Test
  void where_branches_doNotAffectEachOther() {
    RowStage base = from();
    Condition c1 = col("country").eq("DE");
    Condition c2 = col("device").eq("ios");
    RowStage first = base.where(c1);
    RowStage second = base.where(c2);

    QuerySpec s1 = run(first.select(count()));
    QuerySpec s2 = run(second.select(count()));
    QuerySpec s0 = run(base.select(count()));

    assertEquals(List.of(c1), s1.where());
    assertEquals(List.of(c2), s2.where());
    assertEquals(List.of(), s0.where());
  }

  @Test
  void where_calledTwice_keepsBothInOrder() {
    Condition c1 = col("country").eq("DE");
    Condition c2 = col("device").eq("ios");
    RowStage one = from().where(c1);
    RowStage two = one.where(c2);
    assertEquals(List.of(c1, c2), run(two.select(count())).where());
    assertEquals(List.of(c1), run(one.select(count())).where());
  }

  @Test
  void join_onUserId_addsDatasetsInOrder() {
    RowStage joined = from().join("q.y").onUserId().join("r.z").onUserId();
    assertEquals(List.of("p.x", "q.y", "r.z"), run(joined.select(count())).datasets());
  }

  @Test
  void join_branches_doNotAffectEachOther() {
    RowStage base = from();
    RowStage withQ = base.join("q.y").onUserId();
    RowStage withR = base.join("r.z").onUserId();
    assertEquals(List.of("p.x", "q.y"), run(withQ.select(count())).datasets());
    assertEquals(List.of("p.x", "r.z"), run(withR.select(count())).datasets());
    assertEquals(List.of("p.x"), run(base.select(count())).datasets());
  }

  @Test
  void joinStep_completedTwice_givesEqualIndependentStages() {
    JoinStep step = from().join("q.y");
    RowStage a = step.onUserId().where(col("c").eq(1L));
    RowStage b = step.onUserId();
    assertEquals(1, run(a.select(count())).where().size());
    assertEquals(List.of(), run(b.select(count())).where());
    assertEquals(List.of("p.x", "q.y"), run(b.select(count())).datasets());
  }

  @Test
  void join_sameDatasetTwice_isRejectedWhenFinished() {
    RowStage twice = from().join("p.x").onUserId();
    assertThrows(IllegalArgumentException.class, () -> twice.select(count()));
  }

  @Test
  void groupBy_nothing_isRejected() {
    assertThrows(IllegalArgumentException.class, () -> from().groupBy());
  }

  @Test
  void groupBy_passesDimensions() {
    QuerySpec spec = run(from().groupBy("country", "device").select(countDistinctUsers()));
    assertEquals(List.of("country", "device"), spec.groupBy());
    assertEquals(List.of(countDistinctUsers()), spec.aggregates());
  }

  @Test
  void groupedStage_selectBranches_doNotAffectEachOther() {
    GroupedStage grouped = from().groupBy("country");
    QuerySpec a = run(grouped.select(count()));
    QuerySpec b = run(grouped.select(sum("revenue"), count().as("n")));
    assertEquals(List.of(count()), a.aggregates());
    assertEquals(List.of(sum("revenue"), count().as("n")), b.aggregates());
    assertEquals(List.of("country"), b.groupBy());
  }

  @Test
  void select_nothing_isRejected() {
    assertThrows(IllegalArgumentException.class, () -> from().select());
    assertThrows(IllegalArgumentException.class, () -> from().groupBy("c").select());
  }

  @Test
  void select_duplicateAlias_isRejected() {
    assertThrows(IllegalArgumentException.class, () -> from().select(count(), count()));
  }

  @Test
  void finalStage_runAndExplain_passTheSpecToTheEngine() {
    FinalStage stage = from().where(col("c").eq("v")).groupBy("c").select(count());
    Result result = stage.run();
    Explanation explanation = stage.explain();
    assertEquals(List.of(stage.spec()), engine.runs());
    assertEquals(List.of(stage.spec()), engine.explains());
    assertEquals("query-1", result.queryId());
    assertSame(stage.spec(), explanation.spec());
  }

  @Test
  void stages_fromDifferentAnalysts_keepTheirAnalyst() {
    QuerySpec a = run(QueryStart.of(engine, "alice").from("p.x").select(count()));
    QuerySpec b = run(QueryStart.of(engine, "bob").from("p.x").select(count()));
    assertEquals("alice", a.analyst());
    assertEquals("bob", b.analyst());
  }
}
