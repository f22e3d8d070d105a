package dev.cleanroom.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.AggregateFunction;
import dev.cleanroom.Column;
import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import dev.cleanroom.Schema;
import dev.cleanroom.internal.room.PolicyComparison;
import dev.cleanroom.source.InMemorySource;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * An imported aggregation rule is never looser than the AWS rule: for random rules, the policy is
 * at least as strict as the loosest policy of ours that allows what the rule allows, rule by rule;
 * and whenever the rule has a restriction ours cannot say, only approved templates may run.
 */
class AwsImportNeverLooserProperties {
  private static final String UID = "id";
  private static final List<String> DIMS = List.of("d0", "d1", "d2");
  private static final List<String> METRICS = List.of("m0", "m1");
  private static final Schema SCHEMA =
      Schema.of(
          Column.string(UID),
          Column.string("other_id"),
          Column.string("d0"),
          Column.string("d1"),
          Column.string("d2"),
          Column.float64("m0"),
          Column.int64("m1"));

  /** A random AWS aggregation rule. */
  record Rule(
      Set<String> dims,
      List<Integer> metricFns,
      boolean countDistinctUid,
      boolean countOther,
      boolean joinUid,
      boolean joinOther,
      boolean or,
      boolean joinRequired,
      Optional<Integer> uidMin,
      Optional<Integer> otherMin) {

    /** 0: not aggregated, 1: SUM, 2: AVG, 3: both, 4: SUM_DISTINCT. */
    Set<AggregateFunction> fns(int c) {
      return switch (c) {
        case 1 -> EnumSet.of(AggregateFunction.SUM);
        case 2 -> EnumSet.of(AggregateFunction.AVG);
        case 3 -> EnumSet.of(AggregateFunction.SUM, AggregateFunction.AVG);
        default -> EnumSet.noneOf(AggregateFunction.class);
      };
    }

    String json() {
      List<Object> aggregates = new ArrayList<>();
      if (countDistinctUid) {
        aggregates.add(Map.of("columnNames", List.of(UID), "function", "COUNT_DISTINCT"));
      }
      if (countOther) {
        aggregates.add(Map.of("columnNames", List.of("other_id"), "function", "COUNT"));
      }
      for (int i = 0; i < METRICS.size(); i++) {
        int c = metricFns.get(i);
        for (AggregateFunction f : fns(c)) {
          aggregates.add(Map.of("columnNames", List.of(METRICS.get(i)), "function", f.name()));
        }
        if (c == 4) {
          aggregates.add(
              Map.of("columnNames", List.of(METRICS.get(i)), "function", "SUM_DISTINCT"));
        }
      }
      if (aggregates.isEmpty()) {
        aggregates.add(Map.of("columnNames", List.of("other_id"), "function", "COUNT_DISTINCT"));
      }
      List<String> joins = new ArrayList<>();
      if (joinUid) {
        joins.add(UID);
      }
      if (joinOther) {
        joins.add("other_id");
      }
      List<Object> constraints = new ArrayList<>();
      uidMin.ifPresent(
          m -> constraints.add(Map.of("columnName", UID, "minimum", m, "type", "COUNT_DISTINCT")));
      otherMin.ifPresent(
          m ->
              constraints.add(
                  Map.of("columnName", "other_id", "minimum", m, "type", "COUNT_DISTINCT")));
      Map<String, Object> rule = new LinkedHashMap<>();
      rule.put("aggregateColumns", aggregates);
      rule.put("joinColumns", joins);
      rule.put("allowedJoinOperators", or ? List.of("AND", "OR") : List.of("AND"));
      if (joinRequired) {
        rule.put("joinRequired", "QUERY_RUNNER");
      }
      rule.put("dimensionColumns", List.copyOf(dims));
      rule.put("scalarFunctions", List.of("ROUND"));
      rule.put("outputConstraints", constraints);
      return AwsJsonWriter.write(Map.of("v1", Map.of("aggregation", rule)));
    }

    boolean unrepresentable() {
      return joinRequired || !countDistinctUid || otherMin.isPresent();
    }

    /** Ours, as loose as the AWS rule where ours can say it. */
    Policy loosest() {
      Policy.Builder b =
          Policy.builder()
              .allowAnalysts("advertiser")
              .minDistinctUsers(uidMin.orElse(Policy.MIN_K))
              .maxGroupsPerUser(Policy.MAX_CONTRIBUTION_BOUND)
              .maxContributionsPerGroup(Policy.MAX_CONTRIBUTION_BOUND)
              .withoutDifferenceChecks();
      if (joinUid) {
        b.allowJoinOn(UID);
      }
      if (!dims.isEmpty()) {
        b.allowDimensions(dims.toArray(String[]::new));
      }
      for (int i = 0; i < METRICS.size(); i++) {
        Set<AggregateFunction> f = fns(metricFns.get(i));
        if (!f.isEmpty()) {
          b.allowAggregates(METRICS.get(i), f.toArray(AggregateFunction[]::new));
        }
      }
      return b.build();
    }
  }

  @Provide
  Arbitrary<Rule> rules() {
    Arbitrary<Optional<Integer>> min =
        Arbitraries.integers().between(Policy.MIN_K, Policy.MAX_K).optional();
    Arbitrary<Boolean> flag = Arbitraries.of(true, false);
    return Combinators.combine(
            Arbitraries.of(DIMS).set(),
            Arbitraries.integers().between(0, 4).list().ofSize(2),
            flag,
            flag,
            flag,
            flag,
            flag,
            flag)
        .flatAs(
            (dims, fns, cdu, co, ju, jo, or, jr) ->
                Combinators.combine(min, min)
                    .filter((u, o) -> u.isPresent() || o.isPresent())
                    .as((u, o) -> new Rule(dims, fns, cdu, co, ju, jo, or, jr, u, o)));
  }

  @Property(tries = 400)
  void importedPolicy_isNeverLooserThanTheRule(@ForAll("rules") Rule rule) {
    AwsImport imported =
        AwsAnalysisRules.importRule(
            rule.json(),
            AwsImportOptions.builder()
                .schema(SCHEMA)
                .userIdColumn(UID)
                .analysts("advertiser")
                .build());
    Dataset.Builder b =
        imported
            .datasetBuilder("own", "data")
            .source(InMemorySource.builder("data", SCHEMA).build());
    for (String m : imported.metrics()) {
      b.metric(m, 0, 10);
    }
    Dataset dataset = b.build();
    Policy loosest = rule.loosest();
    assertEquals(
        List.of(),
        PolicyComparison.loosenings(dataset, loosest, imported.policy()),
        imported.report()::render);
    if (rule.unrepresentable()) {
      assertTrue(imported.policy().requiresApprovedTemplates(), imported.report()::render);
    }
    int k = Math.max(rule.uidMin().orElse(0), rule.otherMin().orElse(0));
    assertTrue(imported.policy().minDistinctUsers() >= k);
  }
}
