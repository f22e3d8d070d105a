package dev.cleanroom.query;

import static dev.cleanroom.query.Dsl.avg;
import static dev.cleanroom.query.Dsl.count;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static dev.cleanroom.query.Dsl.sum;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.AggregateFunction;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AggregateTest {
  @Test
  void defaultAliases() {
    assertEquals("count", count().alias());
    assertEquals("distinct_users", countDistinctUsers().alias());
    assertEquals("sum_x", sum("t.x").alias());
    assertEquals("avg_x", avg("t.x").alias());
    assertEquals("sum_x", sum("x").alias());
    assertEquals("avg_revenue", avg("publisher.impressions.revenue").alias());
  }

  @Test
  void factories_setFunctionAndColumn() {
    assertEquals(new Aggregate(AggregateFunction.COUNT, "", "count"), count());
    assertEquals(
        new Aggregate(AggregateFunction.COUNT_DISTINCT_USERS, "", "distinct_users"),
        countDistinctUsers());
    assertEquals(new Aggregate(AggregateFunction.SUM, "t.x", "sum_x"), sum("t.x"));
    assertEquals(new Aggregate(AggregateFunction.AVG, "t.x", "avg_x"), avg("t.x"));
  }

  @Test
  void metric_isEmptyForCounts() {
    assertEquals(Optional.empty(), count().metric());
    assertEquals(Optional.empty(), countDistinctUsers().metric());
    assertEquals(Optional.of("t.x"), sum("t.x").metric());
  }

  @Test
  void as_replacesOnlyTheAlias() {
    Aggregate original = sum("t.x");
    Aggregate renamed = original.as("revenue");
    assertEquals("revenue", renamed.alias());
    assertEquals("t.x", renamed.column());
    assertEquals(AggregateFunction.SUM, renamed.function());
    assertEquals("sum_x", original.alias());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "1st", "a-b", "a b", "a.b", "x\n", "\u00e9"})
  void alias_invalid_isRejected(String alias) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> count().as(alias));
    assertTrue(e.getMessage().contains("alias"), e.getMessage());
  }

  @Test
  void alias_tooLong_isRejected() {
    assertThrows(IllegalArgumentException.class, () -> count().as("a".repeat(129)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"_", "_x", "Revenue2", "a_b_c"})
  void alias_valid_isAccepted(String alias) {
    assertEquals(alias, count().as(alias).alias());
  }

  @Test
  void alias_ofMaximumLength_isAccepted() {
    String alias = "a".repeat(128);
    assertEquals(alias, count().as(alias).alias());
  }

  @Test
  void metricFunction_withoutColumn_isRejected() {
    assertThrows(
        IllegalArgumentException.class, () -> new Aggregate(AggregateFunction.SUM, "", "s"));
    assertThrows(IllegalArgumentException.class, () -> sum(""));
    assertThrows(IllegalArgumentException.class, () -> avg(""));
  }

  @Test
  void countFunction_withColumn_isRejected() {
    assertThrows(
        IllegalArgumentException.class, () -> new Aggregate(AggregateFunction.COUNT, "x", "c"));
    assertThrows(
        IllegalArgumentException.class,
        () -> new Aggregate(AggregateFunction.COUNT_DISTINCT_USERS, "x", "c"));
  }
}
