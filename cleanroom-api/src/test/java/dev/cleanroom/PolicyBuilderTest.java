package dev.cleanroom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class PolicyBuilderTest {
  private static Policy.Builder valid() {
    return Policy.builder().allowAnalysts("advertiser").minDistinctUsers(50);
  }

  @Test
  void build_withoutAllowAnalysts_isRejected() {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class, () -> Policy.builder().minDistinctUsers(50).build());
    assertTrue(e.getMessage().contains("allowAnalysts"), e.getMessage());
  }

  @Test
  void allowAnalysts_noParty_isRejected() {
    assertThrows(
        IllegalStateException.class,
        () -> Policy.builder().allowAnalysts().minDistinctUsers(50).build());
  }

  @Test
  void build_withoutMinDistinctUsers_isRejected() {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class, () -> Policy.builder().allowAnalysts("a").build());
    assertTrue(e.getMessage().contains("minDistinctUsers"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 0, -1, 100_001, Integer.MIN_VALUE, Integer.MAX_VALUE})
  void minDistinctUsers_outsideTwoTo100000_isRejected(int k) {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Policy.builder().allowAnalysts("a").minDistinctUsers(k).build());
    assertTrue(e.getMessage().contains("minDistinctUsers"), e.getMessage());
    assertTrue(e.getMessage().contains("provided value: " + k), e.getMessage());
  }

  @Test
  void minDistinctUsers_one_isRejected() {
    assertThrows(
        IllegalArgumentException.class,
        () -> Policy.builder().allowAnalysts("a").minDistinctUsers(1).build());
  }

  @ParameterizedTest
  @ValueSource(ints = {2, 50, 100_000})
  void minDistinctUsers_inRange_isAccepted(int k) {
    Policy p = Policy.builder().allowAnalysts("a").minDistinctUsers(k).build();
    assertEquals(k, p.minDistinctUsers());
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -1, 100_001, Integer.MIN_VALUE, Integer.MAX_VALUE})
  void maxGroupsPerUser_outOfRange_isRejected(int groups) {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> valid().maxGroupsPerUser(groups).build());
    assertTrue(e.getMessage().contains("maxGroupsPerUser"), e.getMessage());
    assertTrue(e.getMessage().contains("provided value: " + groups), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 7, 100_000})
  void maxGroupsPerUser_inRange_isAccepted(int groups) {
    assertEquals(groups, valid().maxGroupsPerUser(groups).build().maxGroupsPerUser());
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -1, 100_001, Integer.MIN_VALUE, Integer.MAX_VALUE})
  void maxContributionsPerGroup_outOfRange_isRejected(int rows) {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> valid().maxContributionsPerGroup(rows).build());
    assertTrue(e.getMessage().contains("maxContributionsPerGroup"), e.getMessage());
    assertTrue(e.getMessage().contains("provided value: " + rows), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 3, 100_000})
  void maxContributionsPerGroup_inRange_isAccepted(int rows) {
    assertEquals(rows, valid().maxContributionsPerGroup(rows).build().maxContributionsPerGroup());
  }

  static Stream<Arguments> setters() {
    return Stream.of(
        setter("allowAnalysts", b -> b.allowAnalysts("other")),
        setter("allowJoinOn", b -> b.allowJoinOn("user_id")),
        setter("allowDimensions", b -> b.allowDimensions("country")),
        setter("allowAggregates", b -> b.allowAggregates("revenue", AggregateFunction.SUM)),
        setter("clampPerGroup", b -> b.clampPerGroup("revenue", 0, 10)),
        setter("minDistinctUsers", b -> b.minDistinctUsers(10)),
        setter("maxGroupsPerUser", b -> b.maxGroupsPerUser(2)),
        setter("maxContributionsPerGroup", b -> b.maxContributionsPerGroup(2)));
  }

  private static Arguments setter(String name, Consumer<Policy.Builder> call) {
    return Arguments.of(name, call);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("setters")
  void setter_calledTwice_isRejected(String name, Consumer<Policy.Builder> call) {
    Policy.Builder b = Policy.builder();
    call.accept(b);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> call.accept(b));
    assertTrue(e.getMessage().contains(name), e.getMessage());
  }

  @Test
  void allowAggregates_differentMetrics_areAccepted() {
    Policy p =
        valid()
            .allowAggregates("revenue", AggregateFunction.SUM)
            .allowAggregates("clicks", AggregateFunction.AVG)
            .build();
    assertEquals(Set.of("revenue", "clicks"), p.aggregateRules().keySet());
  }

  @Test
  void clampPerGroup_differentMetrics_areAccepted() {
    Policy p = valid().clampPerGroup("revenue", 0, 10).clampPerGroup("clicks", 1, 2).build();
    assertEquals(Optional.of(Bounds.of(0, 10)), p.groupClamp("revenue"));
    assertEquals(Optional.of(Bounds.of(1, 2)), p.groupClamp("clicks"));
  }

  static Stream<String> invalidNames() {
    return Stream.of(
        "", " ", "1abc", "bad-name", "a b", "a.b", "caf\u00e9", "x\n", "_".repeat(129));
  }

  @ParameterizedTest
  @MethodSource("invalidNames")
  void allowAnalysts_invalidName_isRejected(String name) {
    assertThrows(
        IllegalArgumentException.class,
        () -> Policy.builder().allowAnalysts("ok", name).minDistinctUsers(2).build());
  }

  @ParameterizedTest
  @MethodSource("invalidNames")
  void allowJoinOn_invalidName_isRejected(String name) {
    assertThrows(IllegalArgumentException.class, () -> valid().allowJoinOn(name).build());
  }

  @ParameterizedTest
  @MethodSource("invalidNames")
  void allowDimensions_invalidName_isRejected(String name) {
    assertThrows(
        IllegalArgumentException.class, () -> valid().allowDimensions("country", name).build());
  }

  @ParameterizedTest
  @MethodSource("invalidNames")
  void allowAggregates_invalidMetricName_isRejected(String name) {
    assertThrows(
        IllegalArgumentException.class,
        () -> valid().allowAggregates(name, AggregateFunction.SUM).build());
  }

  @ParameterizedTest
  @MethodSource("invalidNames")
  void clampPerGroup_invalidMetricName_isRejected(String name) {
    assertThrows(IllegalArgumentException.class, () -> valid().clampPerGroup(name, 0, 1).build());
  }

  @Test
  void invalidName_message_containsProvidedValue() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> valid().allowJoinOn("bad-name"));
    assertTrue(e.getMessage().contains("'bad-name'"), e.getMessage());
  }

  @Test
  void names_ofMaximumLength_areAccepted() {
    String name = "a".repeat(128);
    Policy p = Policy.builder().allowAnalysts(name).minDistinctUsers(2).build();
    assertEquals(Set.of(name), p.analysts());
  }

  @Test
  void allowAggregates_count_isRejected() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> valid().allowAggregates("revenue", AggregateFunction.COUNT).build());
    assertTrue(e.getMessage().contains("COUNT"), e.getMessage());
  }

  @Test
  void allowAggregates_countDistinctUsers_isRejected() {
    assertThrows(
        IllegalArgumentException.class,
        () ->
            valid()
                .allowAggregates(
                    "revenue", AggregateFunction.SUM, AggregateFunction.COUNT_DISTINCT_USERS)
                .build());
  }

  @Test
  void allowAggregates_noFunction_isRejected() {
    assertThrows(IllegalArgumentException.class, () -> valid().allowAggregates("revenue").build());
  }

  @Test
  void allowDimensions_noColumn_isRejected() {
    assertThrows(IllegalArgumentException.class, () -> valid().allowDimensions().build());
  }

  @Test
  void allowJoinOn_noColumn_forbidsJoins() {
    assertEquals(Set.of(), valid().allowJoinOn().build().joinColumns());
  }

  @ParameterizedTest
  @ValueSource(doubles = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})
  void clampPerGroup_nonFiniteLower_isRejected(double lower) {
    assertThrows(
        IllegalArgumentException.class, () -> valid().clampPerGroup("revenue", lower, 1).build());
  }

  @ParameterizedTest
  @ValueSource(doubles = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})
  void clampPerGroup_nonFiniteUpper_isRejected(double upper) {
    assertThrows(
        IllegalArgumentException.class, () -> valid().clampPerGroup("revenue", 0, upper).build());
  }

  @Test
  void clampPerGroup_lowerAboveUpper_isRejected() {
    assertThrows(
        IllegalArgumentException.class, () -> valid().clampPerGroup("revenue", 2, 1).build());
  }

  @Test
  void clampPerGroup_equalBounds_isAccepted() {
    Policy p = valid().clampPerGroup("revenue", 5, 5).build();
    assertEquals(Optional.of(Bounds.of(5, 5)), p.groupClamp("revenue"));
  }

  @Test
  void defaults_areSafe() {
    Policy p = valid().build();
    assertEquals(1, p.maxGroupsPerUser());
    assertEquals(1, p.maxContributionsPerGroup());
    assertEquals(
        EnumSet.of(AggregateFunction.SUM, AggregateFunction.AVG), p.allowedAggregates("revenue"));
    assertEquals(Optional.empty(), p.allowedDimensions());
    assertEquals(Set.of(), p.joinColumns());
    assertEquals(Optional.empty(), p.groupClamp("revenue"));
    assertTrue(p.aggregateRules().isEmpty());
    assertTrue(p.groupClamps().isEmpty());
  }

  @Test
  void allowAggregates_narrowsOnlyTheNamedMetric() {
    Policy p = valid().allowAggregates("revenue", AggregateFunction.AVG).build();
    assertEquals(EnumSet.of(AggregateFunction.AVG), p.allowedAggregates("revenue"));
    assertEquals(
        EnumSet.of(AggregateFunction.SUM, AggregateFunction.AVG), p.allowedAggregates("clicks"));
  }

  @Test
  void settings_areKeptInOrder() {
    Policy p =
        Policy.builder()
            .allowAnalysts("b", "a", "b")
            .allowJoinOn("user_id")
            .allowDimensions("device", "country")
            .minDistinctUsers(10)
            .build();
    assertEquals(List.of("b", "a"), List.copyOf(p.analysts()));
    assertEquals(Set.of("user_id"), p.joinColumns());
    assertEquals(List.of("device", "country"), List.copyOf(p.allowedDimensions().orElseThrow()));
    assertEquals(10, p.minDistinctUsers());
  }

  @Test
  void returnedCollections_areUnmodifiable() {
    Policy p =
        valid()
            .allowJoinOn("user_id")
            .allowDimensions("country")
            .allowAggregates("revenue", AggregateFunction.SUM)
            .clampPerGroup("revenue", 0, 10)
            .build();
    assertThrows(UnsupportedOperationException.class, () -> p.analysts().add("x"));
    assertThrows(UnsupportedOperationException.class, () -> p.joinColumns().add("x"));
    assertThrows(
        UnsupportedOperationException.class, () -> p.allowedDimensions().orElseThrow().add("x"));
    assertThrows(
        UnsupportedOperationException.class,
        () -> p.aggregateRules().put("x", EnumSet.of(AggregateFunction.SUM)));
    assertThrows(
        UnsupportedOperationException.class,
        () -> p.aggregateRules().get("revenue").add(AggregateFunction.AVG));
    assertThrows(
        UnsupportedOperationException.class,
        () -> p.allowedAggregates("revenue").add(AggregateFunction.AVG));
    assertThrows(
        UnsupportedOperationException.class,
        () -> p.allowedAggregates("clicks").add(AggregateFunction.COUNT));
    assertThrows(
        UnsupportedOperationException.class, () -> p.groupClamps().put("x", Bounds.of(0, 1)));
  }

  @Test
  void toString_namesTheLimits() {
    String s = valid().maxGroupsPerUser(3).build().toString();
    assertTrue(s.contains("k=50"), s);
    assertTrue(s.contains("maxGroupsPerUser=3"), s);
    assertTrue(s.contains("advertiser"), s);
  }
}
