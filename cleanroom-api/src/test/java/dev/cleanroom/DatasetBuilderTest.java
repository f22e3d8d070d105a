package dev.cleanroom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DatasetBuilderTest {
  private static final List<String> COLUMNS =
      List.of(
          "user_id",
          "user_long",
          "user_double",
          "country",
          "device",
          "campaign",
          "revenue",
          "clicks",
          "email");

  private static Policy policy() {
    return Policy.builder().allowAnalysts("advertiser").minDistinctUsers(50).build();
  }

  private static Policy.Builder policyBuilder() {
    return Policy.builder().allowAnalysts("advertiser").minDistinctUsers(50);
  }

  /** A complete builder: user id, two dimensions and a metric; policy still to be set. */
  private static Dataset.Builder base() {
    return Dataset.builder("publisher", "impressions")
        .source(FixedSchemaSource.standard())
        .userId("user_id")
        .dimensions("country", "device")
        .metric("revenue", 0, 100);
  }

  @Test
  void build_complete_isAccepted() {
    Dataset d = base().policy(policy()).build();
    assertEquals("publisher", d.owner());
    assertEquals("impressions", d.name());
    assertEquals("publisher.impressions", d.qualifiedName());
    assertEquals("user_id", d.userIdColumn());
    assertEquals(UserIdFormat.RAW, d.userIdFormat());
    assertEquals(COLUMNS, d.schema().names());
    assertEquals(policy().minDistinctUsers(), d.policy().minDistinctUsers());
  }

  @Test
  void build_withoutSource_isRejected() {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> Dataset.builder("p", "d").userId("user_id").policy(policy()).build());
    assertTrue(e.getMessage().contains("source"), e.getMessage());
  }

  @Test
  void build_withoutUserId_isRejected() {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () ->
                Dataset.builder("p", "d")
                    .source(FixedSchemaSource.standard())
                    .dimension("country")
                    .policy(policy())
                    .build());
    assertTrue(e.getMessage().contains("userId"), e.getMessage());
  }

  @Test
  void build_withoutPolicy_isRejected() {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () ->
                Dataset.builder("p", "d")
                    .source(FixedSchemaSource.standard())
                    .userId("user_id")
                    .build());
    assertTrue(e.getMessage().contains("policy"), e.getMessage());
  }

  @Test
  void source_setTwice_isRejected() {
    Dataset.Builder b = Dataset.builder("p", "d").source(FixedSchemaSource.standard());
    assertThrows(IllegalStateException.class, () -> b.source(FixedSchemaSource.standard()));
  }

  @Test
  void policy_setTwice_isRejected() {
    Dataset.Builder b = Dataset.builder("p", "d").policy(policy());
    assertThrows(IllegalStateException.class, () -> b.policy(policy()));
  }

  @Test
  void userId_setTwice_isRejected() {
    Dataset.Builder b = Dataset.builder("p", "d").userId("user_id");
    assertThrows(IllegalStateException.class, () -> b.userId("user_long"));
  }

  @Test
  void dimension_notInSchema_isRejectedListingColumns() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> base().dimension("missing").policy(policy()).build());
    assertTrue(e.getMessage().contains("[missing]"), e.getMessage());
    assertTrue(e.getMessage().contains("publisher.impressions"), e.getMessage());
    for (String c : COLUMNS) {
      assertTrue(e.getMessage().contains(c), () -> c + " not listed in: " + e.getMessage());
    }
  }

  @Test
  void userId_notInSchema_isRejected() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                Dataset.builder("p", "d")
                    .source(FixedSchemaSource.standard())
                    .userId("uid")
                    .policy(policy())
                    .build());
    assertTrue(e.getMessage().contains("[uid]"), e.getMessage());
  }

  @Test
  void metric_notInSchema_isRejected() {
    assertThrows(
        IllegalArgumentException.class,
        () -> base().metric("price", 0, 1).policy(policy()).build());
  }

  @Test
  void blocked_notInSchema_isRejected() {
    assertThrows(
        IllegalArgumentException.class, () -> base().blocked("nope").policy(policy()).build());
  }

  @Test
  void metric_onStringColumn_isRejected() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> base().metric("email", 0, 1).policy(policy()).build());
    assertTrue(e.getMessage().contains("[email]"), e.getMessage());
  }

  @Test
  void metric_onLongColumn_isAccepted() {
    Dataset d = base().metric("clicks", 0, 5).policy(policy()).build();
    assertEquals(ColumnRole.METRIC, d.role("clicks"));
    assertEquals(Optional.of(Bounds.of(0, 5)), d.metricBounds("clicks"));
  }

  @ParameterizedTest
  @ValueSource(doubles = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})
  void metric_nonFiniteBound_isRejected(double bound) {
    assertThrows(IllegalArgumentException.class, () -> base().metric("clicks", bound, 1));
    assertThrows(IllegalArgumentException.class, () -> base().metric("clicks", 0, bound));
  }

  @Test
  void metric_lowerAboveUpper_isRejected() {
    assertThrows(IllegalArgumentException.class, () -> base().metric("clicks", 2, 1));
  }

  @Test
  void userId_doubleColumn_isRejected() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                Dataset.builder("p", "d")
                    .source(FixedSchemaSource.standard())
                    .userId("user_double")
                    .policy(policy())
                    .build());
    assertTrue(e.getMessage().contains("[user_double]"), e.getMessage());
  }

  @Test
  void userId_longColumn_isAccepted() {
    Dataset d =
        Dataset.builder("p", "d")
            .source(FixedSchemaSource.standard())
            .userId("user_long")
            .policy(policy())
            .build();
    assertEquals("user_long", d.userIdColumn());
    assertEquals(UserIdFormat.RAW, d.userIdFormat());
    assertEquals(ColumnRole.USER_ID, d.role("user_long"));
  }

  @Test
  void userId_format_isKept() {
    Dataset d =
        Dataset.builder("p", "d")
            .source(FixedSchemaSource.standard())
            .userId("email", UserIdFormat.EMAIL)
            .policy(policy())
            .build();
    assertEquals("email", d.userIdColumn());
    assertEquals(UserIdFormat.EMAIL, d.userIdFormat());
  }

  @Test
  void column_declaredTwice_isRejected() {
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> base().metric("country", 0, 1));
    assertTrue(e.getMessage().contains("[country]"), e.getMessage());
    assertThrows(IllegalStateException.class, () -> base().dimension("device"));
    assertThrows(IllegalStateException.class, () -> base().blocked("user_id"));
    assertThrows(IllegalStateException.class, () -> base().dimensions("email", "email"));
  }

  @Test
  void userId_alreadyDeclaredColumn_isRejected() {
    Dataset.Builder b = Dataset.builder("p", "d").dimension("country");
    assertThrows(IllegalStateException.class, () -> b.userId("country"));
  }

  @Test
  void builder_invalidNames_areRejected() {
    assertThrows(IllegalArgumentException.class, () -> Dataset.builder("bad owner", "d"));
    assertThrows(IllegalArgumentException.class, () -> Dataset.builder("p", "d.x"));
    assertThrows(IllegalArgumentException.class, () -> Dataset.builder("p", ""));
    assertThrows(IllegalArgumentException.class, () -> base().dimension("bad-name"));
    assertThrows(IllegalArgumentException.class, () -> base().metric("9lives", 0, 1));
  }

  @Test
  void policy_joinOnNonUserIdColumn_isRejected() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> base().policy(policyBuilder().allowJoinOn("country").build()).build());
    assertTrue(e.getMessage().contains("[country]"), e.getMessage());
    assertTrue(e.getMessage().contains("[user_id]"), e.getMessage());
  }

  @Test
  void policy_joinOnUserIdColumn_isAccepted() {
    Dataset d = base().policy(policyBuilder().allowJoinOn("user_id").build()).build();
    assertEquals(Set.of("user_id"), d.policy().joinColumns());
  }

  @Test
  void policy_allowDimensionsUndeclared_isRejected() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                base().policy(policyBuilder().allowDimensions("country", "email").build()).build());
    assertTrue(e.getMessage().contains("[email]"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"revenue", "user_id"})
  void policy_allowDimensionsOnNonDimension_isRejected(String column) {
    assertThrows(
        IllegalArgumentException.class,
        () -> base().policy(policyBuilder().allowDimensions(column).build()).build());
  }

  @ParameterizedTest
  @ValueSource(strings = {"country", "user_id", "clicks", "undeclared"})
  void policy_allowAggregatesOnNonMetric_isRejected(String column) {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                base()
                    .policy(policyBuilder().allowAggregates(column, AggregateFunction.SUM).build())
                    .build());
    assertTrue(e.getMessage().contains("[" + column + "]"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"country", "user_id", "clicks", "undeclared"})
  void policy_clampPerGroupOnNonMetric_isRejected(String column) {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> base().policy(policyBuilder().clampPerGroup(column, 0, 1).build()).build());
    assertTrue(e.getMessage().contains("[" + column + "]"), e.getMessage());
  }

  @Test
  void policy_rulesOnDeclaredMetric_areAccepted() {
    Dataset d =
        base()
            .policy(
                policyBuilder()
                    .allowAggregates("revenue", AggregateFunction.SUM)
                    .clampPerGroup("revenue", 0, 500)
                    .build())
            .build();
    assertEquals(Set.of(AggregateFunction.SUM), d.policy().allowedAggregates("revenue"));
  }

  @Test
  void role_ofUndeclaredColumn_isBlocked() {
    Dataset d = base().blocked("email").policy(policy()).build();
    assertEquals(ColumnRole.BLOCKED, d.role("campaign"));
    assertEquals(ColumnRole.BLOCKED, d.role("not_a_column"));
    assertEquals(ColumnRole.BLOCKED, d.role("email"));
    assertEquals(ColumnRole.USER_ID, d.role("user_id"));
    assertEquals(ColumnRole.DIMENSION, d.role("country"));
    assertEquals(ColumnRole.METRIC, d.role("revenue"));
  }

  @Test
  void roles_areInDeclarationOrderAndUnmodifiable() {
    Dataset d = base().blocked("email").policy(policy()).build();
    assertEquals(
        List.of("user_id", "country", "device", "revenue", "email"),
        List.copyOf(d.roles().keySet()));
    assertThrows(
        UnsupportedOperationException.class, () -> d.roles().put("campaign", ColumnRole.DIMENSION));
    assertEquals(
        Map.of(
            "user_id",
            ColumnRole.USER_ID,
            "country",
            ColumnRole.DIMENSION,
            "device",
            ColumnRole.DIMENSION,
            "revenue",
            ColumnRole.METRIC,
            "email",
            ColumnRole.BLOCKED),
        d.roles());
  }

  @Test
  void groupBounds_withPolicyClamp_usesClamp() {
    Dataset d = base().policy(policyBuilder().clampPerGroup("revenue", 0, 500).build()).build();
    assertEquals(Bounds.of(0, 500), d.groupBounds("revenue"));
    assertEquals(Optional.of(Bounds.of(0, 100)), d.metricBounds("revenue"));
  }

  @Test
  void groupBounds_withoutPolicyClamp_usesDeclaredBounds() {
    Dataset d = base().policy(policy()).build();
    assertEquals(Bounds.of(0, 100), d.groupBounds("revenue"));
  }

  @Test
  void groupBounds_ofNonMetric_isRejected() {
    Dataset d = base().policy(policy()).build();
    assertThrows(IllegalArgumentException.class, () -> d.groupBounds("country"));
    assertEquals(Optional.empty(), d.metricBounds("country"));
  }

  @Test
  void allowedDimensions_default_isDeclaredDimensions() {
    Dataset d = base().dimension("campaign").policy(policy()).build();
    assertEquals(List.of("country", "device", "campaign"), List.copyOf(d.allowedDimensions()));
    assertThrows(UnsupportedOperationException.class, () -> d.allowedDimensions().add("email"));
  }

  @Test
  void allowedDimensions_narrowed_isPolicyDimensions() {
    Dataset d = base().policy(policyBuilder().allowDimensions("device").build()).build();
    assertEquals(Set.of("device"), d.allowedDimensions());
  }

  @Test
  void schema_isReadOnceAtBuild() {
    FixedSchemaSource source = FixedSchemaSource.standard();
    Dataset d = Dataset.builder("p", "d").source(source).userId("user_id").policy(policy()).build();
    int afterBuild = source.schemaCalls();
    assertEquals(COLUMNS, d.schema().names());
    assertEquals(COLUMNS, d.schema().names());
    assertEquals(afterBuild, source.schemaCalls());
    assertSame(source, d.source());
  }

  @Test
  void builder_afterBuild_doesNotChangeDataset() {
    Dataset.Builder b = base().policy(policy());
    Dataset d = b.build();
    b.dimension("campaign");
    assertEquals(ColumnRole.BLOCKED, d.role("campaign"));
    assertEquals(Set.of("country", "device"), d.allowedDimensions());
  }

  @Test
  void toString_namesDatasetAndSource() {
    String s = base().policy(policy()).build().toString();
    assertTrue(s.contains("publisher.impressions"), s);
    assertTrue(s.contains("fixed"), s);
  }
}
