package dev.cleanroom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.query.Dsl;
import dev.cleanroom.query.QuerySpec;
import dev.cleanroom.query.Result;
import dev.cleanroom.query.ResultColumn;
import dev.cleanroom.query.ResultRow;
import dev.cleanroom.spi.DataSource;
import dev.cleanroom.spi.Scan;
import dev.cleanroom.spi.ScanRequest;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Regression tests for builder mistakes found in review. */
class BuilderRegressionTest {
  private static final DataSource SOURCE =
      new DataSource() {
        @Override
        public String name() {
          return "fixed";
        }

        @Override
        public Schema schema() {
          return Schema.of(Column.string("a"), Column.string("b"));
        }

        @Override
        public Scan scan(ScanRequest request) {
          throw new UnsupportedOperationException();
        }
      };

  @Test
  void groupColumnAndAlias_withTheSameName_areRejected() {
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new QuerySpec("a", List.of("p.d"), List.of(), List.of("count"), List.of(Dsl.count())));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new QuerySpec(
                "a", List.of("p.d"), List.of(), List.of("d.count"), List.of(Dsl.count())));
  }

  @Test
  void secondUserId_isRejectedWithoutDeclaringTheColumn() {
    Dataset.Builder b = Dataset.builder("p", "d").source(SOURCE).userId("a");
    assertThrows(IllegalStateException.class, () -> b.userId("b"));
    Dataset d = b.policy(Policy.builder().allowAnalysts("x").minDistinctUsers(2).build()).build();
    assertEquals(ColumnRole.BLOCKED, d.role("b"));
    assertEquals("a", d.userIdColumn());
  }

  @Test
  void rejectedSetterCall_doesNotUseUpTheSetter() {
    Policy.Builder b = Policy.builder();
    assertThrows(
        IllegalArgumentException.class, () -> b.allowAggregates("m", AggregateFunction.COUNT));
    assertThrows(IllegalArgumentException.class, () -> b.clampPerGroup("m", 1, 0));
    assertThrows(IllegalArgumentException.class, () -> b.allowAnalysts("not valid"));
    Policy p =
        b.allowAggregates("m", AggregateFunction.SUM)
            .clampPerGroup("m", 0, 1)
            .allowAnalysts("x")
            .minDistinctUsers(2)
            .build();
    assertEquals(Bounds.of(0, 1), p.groupClamp("m").orElseThrow());
  }

  @Test
  void defaultAlias_ofALongMetricName_isCut() {
    String metric = "m".repeat(128);
    assertEquals(128, Dsl.sum(metric).alias().length());
    assertTrue(Dsl.avg(metric).alias().startsWith("avg_"));
  }

  @Test
  void resultRows_withOtherColumns_areRejected() {
    List<ResultColumn> two =
        List.of(
            new ResultColumn("a", ColumnType.STRING, false),
            new ResultColumn("n", ColumnType.LONG, true));
    List<ResultColumn> one = List.of(new ResultColumn("a", ColumnType.STRING, false));
    ResultRow shortRow = new ResultRow(one, List.of("x"));
    assertThrows(IllegalArgumentException.class, () -> new Result("q", two, List.of(shortRow)));
  }
}
