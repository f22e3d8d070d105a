package dev.cleanroom.query;

import static dev.cleanroom.query.Dsl.col;
import static dev.cleanroom.query.Dsl.count;

import com.google.common.testing.NullPointerTester;
import dev.cleanroom.AggregateFunction;
import dev.cleanroom.engine.QueryEngine;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every public constructor, factory and method of the query DSL rejects null. */
class QueryNullPointerTest {
  private final CapturingEngine engine = new CapturingEngine();
  private NullPointerTester tester;

  @BeforeEach
  void setUp() {
    tester =
        new NullPointerTester()
            .setDefault(String.class, "valid_name")
            .setDefault(QueryEngine.class, engine)
            .setDefault(Condition.class, col("c").eq("v"))
            .setDefault(Aggregate.class, count())
            .setDefault(AggregateFunction.class, AggregateFunction.COUNT)
            .setDefault(Object.class, "v")
            .setDefault(ColumnRef.class, col("d"))
            .setDefault(java.time.Duration.class, java.time.Duration.ZERO)
            .setDefault(ColumnOffset.class, col("d").plus(java.time.Duration.ZERO))
            .setDefault(TimeBucket.class, TimeBucket.WEEK)
            .setDefault(
                QuerySpec.class,
                new QuerySpec("a", List.of("p.x"), List.of(), List.of(), List.of(count())));
  }

  @Test
  void columnRef_rejectsNull() {
    tester.testAllPublicConstructors(ColumnRef.class);
    tester.testAllPublicInstanceMethods(col("c"));
  }

  @Test
  void timeBucketsAndColumnOffsets_rejectNull() {
    tester.testAllPublicConstructors(ColumnOffset.class);
    tester.testAllPublicInstanceMethods(col("c").plus(java.time.Duration.ofDays(1)));
    tester.testAllPublicStaticMethods(TimeBucket.class);
    tester.testAllPublicInstanceMethods(TimeBucket.MONTH);
    tester.testAllPublicConstructors(TimeBucket.Named.class);
  }

  @Test
  void condition_rejectsNull() {
    tester.testAllPublicConstructors(Condition.Comparison.class);
    tester.testAllPublicConstructors(Condition.In.class);
    tester.testAllPublicConstructors(Condition.And.class);
    tester.testAllPublicConstructors(Condition.Or.class);
    tester.testAllPublicConstructors(Condition.Not.class);
    tester.testAllPublicInstanceMethods(col("c").eq("v"));
  }

  @Test
  void aggregate_rejectsNull() {
    tester.testAllPublicConstructors(Aggregate.class);
    tester.testAllPublicInstanceMethods(count());
    tester.testAllPublicInstanceMethods(Dsl.sum("t.x"));
  }

  @Test
  void dsl_rejectsNull() {
    tester.testAllPublicStaticMethods(Dsl.class);
  }

  @Test
  void queryStart_rejectsNull() {
    tester.testAllPublicStaticMethods(QueryStart.class);
    tester.testAllPublicInstanceMethods(QueryStart.of(engine, "a"));
  }

  @Test
  void rowStage_rejectsNull() {
    tester.testAllPublicInstanceMethods(QueryStart.of(engine, "a").from("p.x"));
  }

  @Test
  void laterStages_rejectNull() {
    RowStage rows = QueryStart.of(engine, "a").from("p.x");
    tester.testAllPublicInstanceMethods(rows.groupBy("c"));
    tester.testAllPublicInstanceMethods(rows.join("q.y"));
    tester.testAllPublicInstanceMethods(rows.select(count()));
  }

  @Test
  void values_rejectNull() {
    tester.testAllPublicConstructors(QuerySpec.class);
    tester.testAllPublicConstructors(ResultColumn.class);
    tester.testAllPublicConstructors(ResultRow.class);
    tester.testAllPublicConstructors(Result.class);
    tester.testAllPublicConstructors(PolicyCheck.class);
    tester.testAllPublicConstructors(Explanation.class);
  }
}
