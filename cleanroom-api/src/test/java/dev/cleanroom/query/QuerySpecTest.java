package dev.cleanroom.query;

import static dev.cleanroom.query.Dsl.col;
import static dev.cleanroom.query.Dsl.count;
import static dev.cleanroom.query.Dsl.sum;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class QuerySpecTest {
  private static QuerySpec spec(
      List<String> datasets, List<String> groupBy, List<Aggregate> aggregates) {
    return new QuerySpec("analyst", datasets, List.of(), groupBy, aggregates);
  }

  @Test
  void noDatasets_isRejected() {
    assertThrows(
        IllegalArgumentException.class, () -> spec(List.of(), List.of(), List.of(count())));
  }

  @Test
  void duplicateDatasets_isRejected() {
    assertThrows(
        IllegalArgumentException.class,
        () -> spec(List.of("p.x", "q.y", "p.x"), List.of(), List.of(count())));
  }

  @Test
  void noAggregates_isRejected() {
    assertThrows(
        IllegalArgumentException.class, () -> spec(List.of("p.x"), List.of("c"), List.of()));
  }

  @Test
  void duplicateAliases_isRejected() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> spec(List.of("p.x"), List.of(), List.of(sum("a.v"), sum("b.v"))));
    assertTrue(e.getMessage().contains("[sum_v]"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> spec(List.of("p.x"), List.of(), List.of(count(), sum("v").as("count"))));
  }

  @Test
  void duplicateGroupBy_isRejected() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> spec(List.of("p.x"), List.of("country", "country"), List.of(count())));
    assertTrue(e.getMessage().contains("[country]"), e.getMessage());
  }

  @Test
  void nullElements_areRejected() {
    assertThrows(
        NullPointerException.class,
        () -> spec(Arrays.asList("p.x", null), List.of(), List.of(count())));
    assertThrows(
        NullPointerException.class,
        () ->
            new QuerySpec(
                "a", List.of("p.x"), Arrays.asList((Condition) null), List.of(), List.of(count())));
    assertThrows(
        NullPointerException.class,
        () -> new QuerySpec(null, List.of("p.x"), List.of(), List.of(), List.of(count())));
  }

  @Test
  void lists_areCopied() {
    List<String> datasets = new ArrayList<>(List.of("p.x"));
    List<Condition> where = new ArrayList<>(List.of(col("c").eq("v")));
    List<String> groupBy = new ArrayList<>(List.of("c"));
    List<Aggregate> aggregates = new ArrayList<>(List.of(count()));
    QuerySpec s = new QuerySpec("a", datasets, where, groupBy, aggregates);
    datasets.add("q.y");
    where.add(col("d").eq(1L));
    groupBy.add("d");
    aggregates.add(sum("v"));
    assertEquals(List.of("p.x"), s.datasets());
    assertEquals(1, s.where().size());
    assertEquals(List.of("c"), s.groupBy());
    assertEquals(List.of(count()), s.aggregates());
  }

  @Test
  void lists_areUnmodifiable() {
    QuerySpec s =
        new QuerySpec(
            "a", List.of("p.x"), List.of(col("c").eq("v")), List.of("c"), List.of(count()));
    assertThrows(UnsupportedOperationException.class, () -> s.datasets().add("q.y"));
    assertThrows(UnsupportedOperationException.class, () -> s.where().clear());
    assertThrows(UnsupportedOperationException.class, () -> s.groupBy().add("d"));
    assertThrows(UnsupportedOperationException.class, () -> s.aggregates().add(sum("v")));
  }

  @Test
  void toString_hidesLiterals() {
    QuerySpec s =
        new QuerySpec(
            "a",
            List.of("p.x"),
            List.of(col("c").eq("SECRET_VALUE"), col("n").gt(987654321L)),
            List.of(),
            List.of(count()));
    String text = s.toString();
    assertFalse(text.contains("SECRET_VALUE"), text);
    assertFalse(text.contains("987654321"), text);
    assertTrue(text.contains("p.x"), text);
  }
}
