package dev.cleanroom.policy;

import static dev.cleanroom.policy.AwsFixtures.SCHEMA;
import static dev.cleanroom.policy.AwsFixtures.UID;
import static dev.cleanroom.policy.AwsFixtures.options;
import static dev.cleanroom.policy.AwsFixtures.read;
import static dev.cleanroom.policy.AwsMappingReport.Outcome.MAPPED;
import static dev.cleanroom.policy.AwsMappingReport.Outcome.NOT_REPRESENTABLE;
import static dev.cleanroom.policy.AwsMappingReport.Outcome.TIGHTENED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.BudgetPeriod;
import dev.cleanroom.ColumnRole;
import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import dev.cleanroom.PrivacyBudget;
import dev.cleanroom.policy.AwsMappingReport.Entry;
import dev.cleanroom.policy.AwsMappingReport.Outcome;
import dev.cleanroom.source.InMemorySource;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Exports of our policies as AWS rules, field by field. */
class AwsExportTest {
  private static void assertEntry(AwsMappingReport r, String ours, Outcome outcome, String aws) {
    List<Entry> matching = r.entries().stream().filter(e -> e.ourField().equals(ours)).toList();
    assertTrue(!matching.isEmpty(), () -> "no entry for " + ours + " in\n" + r);
    assertEquals(outcome, matching.get(0).outcome(), () -> ours + " in\n" + r);
    assertEquals(aws, matching.get(0).awsField(), () -> ours + " in\n" + r);
  }

  @Test
  void aggregationFixture_exportsAsAnAggregationRule_andReadsBackTheSame() {
    AwsImport imported = AwsAnalysisRules.importRule(read("aws-aggregation.json"), options());
    Dataset d =
        imported
            .datasetBuilder("publisher", "sales")
            .source(InMemorySource.builder("sales", SCHEMA).build())
            .metric("purchases", 0, 500)
            .build();
    AwsExport export = AwsAnalysisRules.exportRule(d, Map.of());
    assertTrue(export.privacyBudgetTemplate().isEmpty());
    AwsJson.Obj rule =
        AwsJson.parse(export.analysisRulePolicy()).object("v1").object("aggregation");
    assertEquals(
        List.of("segment", "purchase_date", "product_line"),
        rule.strings("dimensionColumns").stream().map(AwsJson.Str::value).toList());
    assertEquals(
        List.of(UID), rule.strings("joinColumns").stream().map(AwsJson.Str::value).toList());
    List<AwsJson.Obj> aggs = rule.objects("aggregateColumns");
    assertEquals("COUNT_DISTINCT", aggs.get(0).string("function").value());
    assertEquals("SUM", aggs.get(1).string("function").value());
    assertEquals("AVG", aggs.get(2).string("function").value());
    assertEquals(100, rule.objects("outputConstraints").get(0).integer("minimum", 2, 100_000));

    AwsMappingReport r = export.report();
    assertEntry(r, "minDistinctUsers", MAPPED, "v1.aggregation.outputConstraints[0]");
    assertEntry(r, "countDistinctUsers()", MAPPED, "v1.aggregation.aggregateColumns[0]");
    assertEntry(
        r,
        "allowAggregates(SUM), clamp bounds",
        NOT_REPRESENTABLE,
        "v1.aggregation.aggregateColumns[1]");
    assertEntry(r, "count()", TIGHTENED, "(none)");
    assertEntry(r, "maxGroupsPerUser, maxContributionsPerGroup", NOT_REPRESENTABLE, "(none)");
    assertEntry(r, "differenceCheckRetention", NOT_REPRESENTABLE, "(none)");

    AwsImport back = AwsAnalysisRules.importRule(export.analysisRulePolicy(), options());
    assertEquals(imported.policy().toString(), back.policy().toString());
  }

  @Test
  void differentialPrivacy_beyondAwsRanges_isReported() {
    Policy p =
        Policy.builder()
            .allowAnalysts("advertiser", "agency")
            .minDistinctUsers(20)
            .differentialPrivacy(PrivacyBudget.epsilonDelta(0.5, 1e-6), 0.001)
            .budgetPeriod(BudgetPeriod.DAILY)
            .maxQueries(10, BudgetPeriod.DAILY)
            .build();
    AwsExport export =
        AwsAnalysisRules.exportRule(
            p, UID, Map.of(UID, ColumnRole.USER_ID), Map.of("advertiser", "111122223333"));
    AwsJson.Obj rule = AwsJson.parse(export.analysisRulePolicy()).object("v1").object("custom");
    assertEquals("ANY_QUERY", rule.strings("allowedAnalyses").get(0).value());
    assertEquals("111122223333", rule.strings("allowedAnalysisProviders").get(0).value());
    assertEquals(
        UID, rule.object("differentialPrivacy").objects("columns").get(0).string("name").value());
    AwsJson.Obj budget = AwsJson.parse(export.privacyBudgetTemplate().orElseThrow());
    assertEquals("CALENDAR_MONTH", budget.string("autoRefresh").value());
    AwsJson.Obj params = budget.object("parameters").object("differentialPrivacy");
    assertEquals(1, params.integer("epsilon", 1, 20));
    assertEquals(100, params.integer("usersNoisePerQuery", 10, 100));

    AwsMappingReport r = export.report();
    assertEntry(
        r,
        "differentialPrivacy(total)",
        NOT_REPRESENTABLE,
        "privacyBudgetTemplate.parameters.differentialPrivacy.epsilon");
    assertEntry(
        r,
        "differentialPrivacy(maxEpsilonPerQuery)",
        NOT_REPRESENTABLE,
        "privacyBudgetTemplate.parameters.differentialPrivacy.usersNoisePerQuery");
    assertEntry(r, "budgetPeriod", TIGHTENED, "privacyBudgetTemplate.autoRefresh");
    assertEntry(r, "allowAnalysts", TIGHTENED, "v1.custom.allowedAnalysisProviders");
    assertEntry(r, "maxQueries", NOT_REPRESENTABLE, "(none)");
    assertEntry(r, "minDistinctUsers", NOT_REPRESENTABLE, "(none)");
  }

  @Test
  void badAccountIds_areRejected() {
    Policy p = Policy.builder().allowAnalysts("a").minDistinctUsers(20).build();
    assertThrows(
        IllegalArgumentException.class,
        () ->
            AwsAnalysisRules.exportRule(
                p, UID, Map.of(UID, ColumnRole.USER_ID), Map.of("a", "12ab")));
  }

  @Test
  void usersNoise_invertsTheImportedCap() {
    for (int users = 10; users <= 100; users++) {
      assertEquals(
          users,
          AwsAnalysisRules.usersNoise(
              java.math.BigDecimal.valueOf(AwsAnalysisRules.epsilonPerQuery(users))));
      assertTrue(
          java.math.BigDecimal.valueOf(AwsAnalysisRules.epsilonPerQuery(users))
                  .multiply(java.math.BigDecimal.valueOf(users))
                  .compareTo(java.math.BigDecimal.ONE)
              < 0,
          "the cap is below 1/users, never above");
    }
    assertEquals(7, AwsAnalysisRules.usersNoise(new java.math.BigDecimal("0.15")));
  }
}
