package dev.cleanroom.policy;

import static dev.cleanroom.policy.AwsFixtures.SCHEMA;
import static dev.cleanroom.policy.AwsFixtures.UID;
import static dev.cleanroom.policy.AwsFixtures.options;
import static dev.cleanroom.policy.AwsFixtures.read;
import static dev.cleanroom.policy.AwsMappingReport.Outcome.MAPPED;
import static dev.cleanroom.policy.AwsMappingReport.Outcome.NOT_REPRESENTABLE;
import static dev.cleanroom.policy.AwsMappingReport.Outcome.TIGHTENED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.AggregateFunction;
import dev.cleanroom.BudgetPeriod;
import dev.cleanroom.ColumnRole;
import dev.cleanroom.Dataset;
import dev.cleanroom.DifferentialPrivacyRule;
import dev.cleanroom.Policy;
import dev.cleanroom.internal.room.PolicyComparison;
import dev.cleanroom.policy.AwsMappingReport.Entry;
import dev.cleanroom.policy.AwsMappingReport.Outcome;
import dev.cleanroom.source.InMemorySource;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Imports of AWS documents written from AWS's documentation, field by field. */
class AwsAnalysisRulesTest {

  private static void assertEntry(
      AwsMappingReport report, String awsField, Outcome outcome, String ourField) {
    Entry e =
        report
            .entry(awsField)
            .orElseThrow(() -> new AssertionError("no entry for " + awsField + " in\n" + report));
    assertEquals(outcome, e.outcome(), () -> awsField + " in\n" + report);
    assertEquals(ourField, e.ourField(), () -> awsField + " in\n" + report);
    assertFalse(e.reason().isBlank());
  }

  /** A dataset over the imported policy, with bounds for its metrics. */
  private static Dataset dataset(AwsImport imported) {
    Dataset.Builder b =
        imported
            .datasetBuilder("publisher", "sales")
            .source(InMemorySource.builder("sales", SCHEMA).build());
    for (String m : imported.metrics()) {
      b.metric(m, 0, 1000);
    }
    return b.build();
  }

  /**
   * The loosest policy of ours that allows exactly what the AWS aggregation fixture allows, where
   * ours can say it: no bound on a person's groups or rows, no difference checks.
   */
  private static Policy loosestFor(
      Set<String> dims, Map<String, Set<AggregateFunction>> aggs, int k, boolean join) {
    Policy.Builder b =
        Policy.builder()
            .allowAnalysts("advertiser", "agency")
            .minDistinctUsers(k)
            .maxGroupsPerUser(Policy.MAX_CONTRIBUTION_BOUND)
            .maxContributionsPerGroup(Policy.MAX_CONTRIBUTION_BOUND)
            .withoutDifferenceChecks();
    if (join) {
      b.allowJoinOn(UID);
    }
    if (!dims.isEmpty()) {
      b.allowDimensions(dims.toArray(String[]::new));
    }
    aggs.forEach((m, f) -> b.allowAggregates(m, f.toArray(AggregateFunction[]::new)));
    return b.build();
  }

  @Test
  void aggregation_mapsEveryField() {
    AwsImport imported = AwsAnalysisRules.importRule(read("aws-aggregation.json"), options());
    Policy p = imported.policy();
    assertEquals(Set.of("advertiser", "agency"), p.analysts());
    assertEquals(Set.of(UID), p.joinColumns());
    assertEquals(
        List.of("segment", "purchase_date", "product_line"),
        List.copyOf(p.allowedDimensions().orElseThrow()));
    assertEquals(
        Set.of(AggregateFunction.SUM, AggregateFunction.AVG), p.allowedAggregates("purchases"));
    assertEquals(100, p.minDistinctUsers());
    assertFalse(p.requiresApprovedTemplates());
    assertTrue(p.differentialPrivacy().isEmpty());
    assertEquals(
        Map.of(
            UID,
            ColumnRole.USER_ID,
            "segment",
            ColumnRole.DIMENSION,
            "purchase_date",
            ColumnRole.DIMENSION,
            "product_line",
            ColumnRole.DIMENSION,
            "purchases",
            ColumnRole.METRIC),
        imported.roles());
    assertEquals(List.of("purchases"), imported.metrics());

    AwsMappingReport r = imported.report();
    String a = "v1.aggregation.";
    assertEntry(r, a + "joinColumns[0]", MAPPED, "allowJoinOn");
    assertEntry(r, a + "allowedJoinOperators", TIGHTENED, "(join on user id)");
    assertEntry(r, a + "dimensionColumns[0]", MAPPED, "allowDimensions");
    assertEntry(r, a + "dimensionColumns[1]", MAPPED, "allowDimensions");
    assertEntry(r, a + "dimensionColumns[2]", MAPPED, "allowDimensions");
    assertEntry(r, a + "aggregateColumns[0].columnNames[0]", MAPPED, "countDistinctUsers()");
    assertEntry(
        r, a + "aggregateColumns[1].columnNames[0]", TIGHTENED, "allowAggregates(purchases, SUM)");
    assertEntry(
        r, a + "aggregateColumns[2].columnNames[0]", TIGHTENED, "allowAggregates(purchases, AVG)");
    assertEntry(r, a + "aggregateColumns[3].columnNames[0]", TIGHTENED, "count()");
    assertEntry(r, a + "scalarFunctions", TIGHTENED, "(none)");
    assertEntry(r, a + "outputConstraints[0]", MAPPED, "minDistinctUsers");
    assertEntry(
        r,
        "(not in AWS rules)",
        TIGHTENED,
        "maxGroupsPerUser, maxContributionsPerGroup, differenceCheckRetention");
    assertEquals(12, r.entries().size(), r::render);
    assertTrue(r.entries(NOT_REPRESENTABLE).isEmpty(), r::render);
    assertTrue(r.render().contains("MAPPED            v1.aggregation.joinColumns[0]"), r::render);

    Policy loosest =
        loosestFor(
            Set.of("segment", "purchase_date", "product_line"),
            Map.of("purchases", Set.of(AggregateFunction.SUM, AggregateFunction.AVG)),
            100,
            true);
    assertEquals(List.of(), PolicyComparison.loosenings(dataset(imported), loosest, p));
  }

  @Test
  void aggregationRequest_restrictionsOursCannotSay_requireApprovedTemplates() {
    AwsImport imported =
        AwsAnalysisRules.importRule(read("aws-aggregation-request.json"), options());
    Policy p = imported.policy();
    assertTrue(p.requiresApprovedTemplates());
    assertEquals(80, p.minDistinctUsers(), "the largest minimum of the rule wins");
    assertEquals(Set.of(UID), p.joinColumns());
    assertEquals(Set.of(AggregateFunction.SUM), p.allowedAggregates("purchases"));
    assertEquals(Set.of("segment"), p.allowedDimensions().orElseThrow());

    AwsMappingReport r = imported.report();
    String a = "analysisRulePolicy.v1.aggregation.";
    assertEntry(r, "configuredTableIdentifier", NOT_REPRESENTABLE, "(dataset name)");
    assertEntry(r, a + "joinColumns[0]", MAPPED, "allowJoinOn");
    assertEntry(r, a + "joinColumns[1]", TIGHTENED, "(none)");
    assertEntry(r, a + "joinRequired", NOT_REPRESENTABLE, "(none)");
    assertEntry(
        r, a + "aggregateColumns[0].columnNames[0]", TIGHTENED, "allowAggregates(purchases, SUM)");
    assertEntry(r, a + "aggregateColumns[1].columnNames[0]", NOT_REPRESENTABLE, "(none)");
    assertEntry(r, a + "scalarFunctions", MAPPED, "(none)");
    assertEntry(r, a + "outputConstraints[0]", MAPPED, "minDistinctUsers");
    assertEntry(r, a + "outputConstraints[1]", NOT_REPRESENTABLE, "minDistinctUsers");
    assertEntry(
        r,
        "(aggregateColumns without COUNT_DISTINCT of the user id column)",
        NOT_REPRESENTABLE,
        "count(), countDistinctUsers()");
    assertEntry(r, a + "additionalAnalyses", MAPPED, "(none)");
    assertEntry(r, "(restrictions not representable)", TIGHTENED, "requireApprovedTemplates");
    assertTrue(r.entry("(restrictions not representable)").orElseThrow().reason().contains("(3"));
  }

  @Test
  void list_columnsBecomeDimensions_andTheRequiredJoinNeedsTemplates() {
    AwsImport imported = AwsAnalysisRules.importRule(read("aws-list.json"), options());
    Policy p = imported.policy();
    assertEquals(List.of("segment", "product_line"), List.copyOf(p.allowedDimensions().get()));
    assertEquals(25, p.minDistinctUsers(), "k from the options: a list rule sets none");
    assertTrue(p.requiresApprovedTemplates());
    assertTrue(p.aggregateRules().isEmpty());
    AwsMappingReport r = imported.report();
    assertEntry(r, "v1.list.joinColumns[0]", MAPPED, "allowJoinOn");
    assertEntry(r, "v1.list.allowedJoinOperators", MAPPED, "(join on user id)");
    assertEntry(r, "v1.list.listColumns[0]", TIGHTENED, "allowDimensions");
    assertEntry(r, "v1.list.listColumns[1]", TIGHTENED, "allowDimensions");
    assertEntry(r, "(list queries join the query runner's table)", NOT_REPRESENTABLE, "(none)");
    assertEntry(
        r, "(list rules allow no aggregation)", NOT_REPRESENTABLE, "count(), countDistinctUsers()");
    assertEntry(r, "v1.list.additionalAnalyses", TIGHTENED, "(none)");
    assertEntry(r, "(no minimum on the user id column)", TIGHTENED, "minDistinctUsers");
    assertEntry(r, "(restrictions not representable)", TIGHTENED, "requireApprovedTemplates");
  }

  @Test
  void customWithDifferentialPrivacy_takesTheBudgetTemplate() {
    AwsImport imported =
        AwsAnalysisRules.importRule(
            read("aws-custom-dp.json"), read("aws-budget-template.json"), options());
    Policy p = imported.policy();
    assertEquals(Set.of("advertiser"), p.analysts(), "only analysts whose account is listed");
    DifferentialPrivacyRule dp = p.differentialPrivacy().orElseThrow();
    assertEquals(0, dp.total().epsilon().compareTo(BigDecimal.valueOf(3)));
    assertEquals(0, dp.total().delta().signum());
    assertTrue(dp.maxEpsilonPerQuery().compareTo(new BigDecimal("0.1")) < 0);
    assertTrue(dp.maxEpsilonPerQuery().compareTo(new BigDecimal("0.0999999")) > 0);
    assertEquals(BudgetPeriod.MONTHLY, dp.period());
    assertEquals(25, p.minDistinctUsers());
    assertFalse(p.requiresApprovedTemplates());
    assertEquals(ColumnRole.BLOCKED, imported.roles().get("order_id"));

    AwsMappingReport r = imported.report();
    String c = "v1.custom.";
    assertEntry(r, c + "allowedAnalyses[0]", TIGHTENED, "(ad-hoc queries)");
    assertEntry(r, c + "allowedAnalysisProviders[1]", TIGHTENED, "allowAnalysts");
    assertEntry(r, c + "allowedAnalysisProviders", TIGHTENED, "allowAnalysts");
    assertEntry(r, c + "disallowedOutputColumns[0]", TIGHTENED, "(blocked column)");
    assertEntry(r, c + "disallowedOutputColumns[1]", MAPPED, "(user id)");
    assertEntry(r, c + "differentialPrivacy.columns[0].name", MAPPED, "differentialPrivacy");
    String b = "privacyBudgetTemplate.";
    assertEntry(
        r, b + "parameters.differentialPrivacy.epsilon", MAPPED, "differentialPrivacy(total)");
    assertEntry(
        r,
        b + "parameters.differentialPrivacy.usersNoisePerQuery",
        TIGHTENED,
        "differentialPrivacy(maxEpsilonPerQuery)");
    assertEntry(r, b + "autoRefresh", MAPPED, "budgetPeriod");
    assertTrue(r.entries(NOT_REPRESENTABLE).isEmpty(), r::render);
  }

  @Test
  void customWithDifferentialPrivacy_withoutBudget_takesTheStrictestAwsBudget() {
    AwsImport imported = AwsAnalysisRules.importRule(read("aws-custom-dp.json"), options());
    DifferentialPrivacyRule dp = imported.policy().differentialPrivacy().orElseThrow();
    assertEquals(0, dp.total().epsilon().compareTo(BigDecimal.ONE));
    assertTrue(dp.maxEpsilonPerQuery().compareTo(new BigDecimal("0.01")) < 0);
    assertEquals(BudgetPeriod.NONE, dp.period());
    assertEntry(
        imported.report(),
        "(no privacy budget template)",
        TIGHTENED,
        "differentialPrivacy(total, maxEpsilonPerQuery)");
  }

  @Test
  void budgetTemplate_shortForm_isRead() {
    AwsImport imported =
        AwsAnalysisRules.importRule(
            read("aws-custom-dp.json"),
            "{\"epsilon\": 20, \"usersNoisePerQuery\": 100, \"autoRefresh\": \"NONE\"}",
            options());
    DifferentialPrivacyRule dp = imported.policy().differentialPrivacy().orElseThrow();
    assertEquals(0, dp.total().epsilon().compareTo(BigDecimal.valueOf(20)));
    assertEquals(BudgetPeriod.NONE, dp.period());
    assertEntry(
        imported.report(), "privacyBudgetTemplate.epsilon", MAPPED, "differentialPrivacy(total)");
  }

  @Test
  void budgetTemplate_forARuleWithoutDifferentialPrivacy_isIgnoredAndSaidSo() {
    AwsImport imported =
        AwsAnalysisRules.importRule(
            read("aws-aggregation.json"), read("aws-budget-template.json"), options());
    assertTrue(imported.policy().differentialPrivacy().isEmpty());
    assertEntry(imported.report(), "privacyBudgetTemplate", NOT_REPRESENTABLE, "(none)");
  }

  @Test
  void customWithTemplateArns_requiresApprovedTemplates() {
    AwsImport imported = AwsAnalysisRules.importRule(read("aws-custom-templates.json"), options());
    Policy p = imported.policy();
    assertTrue(p.requiresApprovedTemplates());
    assertEquals(100, p.minDistinctUsers());
    assertEquals(Set.of("advertiser", "agency"), p.analysts());
    AwsMappingReport r = imported.report();
    assertEntry(r, "v1.custom.allowedAnalyses[0]", NOT_REPRESENTABLE, "requireApprovedTemplates");
    assertEntry(r, "v1.custom.allowedAnalyses", NOT_REPRESENTABLE, "requireApprovedTemplates");
    assertEntry(r, "v1.custom.aggregationThresholds[0]", MAPPED, "minDistinctUsers");
  }

  @Test
  void bareRuleObjects_areRecognized() {
    String bare =
        "{\"aggregateColumns\": [{\"columnNames\": [\"hashed_email\"], \"function\":"
            + " \"COUNT_DISTINCT\"}], \"joinColumns\": [], \"dimensionColumns\": [],"
            + " \"scalarFunctions\": [], \"outputConstraints\": [{\"columnName\":"
            + " \"hashed_email\", \"minimum\": 7, \"type\": \"COUNT_DISTINCT\"}]}";
    AwsImport imported = AwsAnalysisRules.importRule(bare, options());
    assertEquals(7, imported.policy().minDistinctUsers());
    assertTrue(imported.policy().joinColumns().isEmpty());
    assertEntry(imported.report(), "joinColumns", TIGHTENED, "allowJoinOn");
    assertEntry(imported.report(), "dimensionColumns", MAPPED, "allowDimensions");
    AwsImport wrapped = AwsAnalysisRules.importRule("{\"aggregation\": " + bare + "}", options());
    assertEquals(7, wrapped.policy().minDistinctUsers());
    assertEntry(wrapped.report(), "aggregation.joinColumns", TIGHTENED, "allowJoinOn");
  }

  @Test
  void additionalAnalysesRequired_isRefused() {
    String doc = read("aws-list.json").replace("\"ALLOWED\"", "\"REQUIRED\"");
    AwsRuleException e =
        assertThrows(AwsRuleException.class, () -> AwsAnalysisRules.importRule(doc, options()));
    assertEquals("v1.list.additionalAnalyses", e.path());
    assertEquals(7, e.line());
  }

  @Test
  void errors_nameThePathLineAndColumn_neverTheValue() {
    String secret = "zz_secret_value_42";
    String unknown = read("aws-list.json").replace("\"listColumns\"", "\"" + secret + "\"");
    AwsRuleException e =
        assertThrows(AwsRuleException.class, () -> AwsAnalysisRules.importRule(unknown, options()));
    assertEquals("v1.list", e.path());
    assertEquals(6, e.line());
    assertEquals(7, e.column());
    assertTrue(e.getMessage().contains("unknown field"), e.getMessage());
    assertFalse(e.getMessage().contains(secret), e.getMessage());

    String column = read("aws-list.json").replace("\"product_line\"", "\"" + secret + "\"");
    e = assertThrows(AwsRuleException.class, () -> AwsAnalysisRules.importRule(column, options()));
    assertEquals("v1.list.listColumns[1]", e.path());
    assertFalse(e.getMessage().contains(secret), e.getMessage());

    String type = read("aws-aggregation.json").replace("100", "\"" + secret + "\"");
    e = assertThrows(AwsRuleException.class, () -> AwsAnalysisRules.importRule(type, options()));
    assertEquals("v1.aggregation.outputConstraints[0].minimum", e.path());
    assertTrue(e.getMessage().contains("must be an integer, not a string"), e.getMessage());
    assertFalse(e.getMessage().contains(secret), e.getMessage());

    String range = read("aws-aggregation.json").replace("100", "1");
    e = assertThrows(AwsRuleException.class, () -> AwsAnalysisRules.importRule(range, options()));
    assertTrue(e.getMessage().contains("[2, 100000]"), e.getMessage());

    String choice = read("aws-aggregation.json").replace("\"AVG\"", "\"" + secret + "\"");
    e = assertThrows(AwsRuleException.class, () -> AwsAnalysisRules.importRule(choice, options()));
    assertEquals("v1.aggregation.aggregateColumns[2].function", e.path());
    assertFalse(e.getMessage().contains(secret), e.getMessage());

    String broken = "{\"v1\": {\"list\": [\"" + secret + "\" }";
    e = assertThrows(AwsRuleException.class, () -> AwsAnalysisRules.importRule(broken, options()));
    assertEquals(1, e.line());
    assertTrue(e.getMessage().contains("not well-formed JSON"), e.getMessage());
    assertFalse(e.getMessage().contains(secret), e.getMessage());

    String twice = "{\"v1\": {\"list\": {}, \"list\": {}}}";
    e = assertThrows(AwsRuleException.class, () -> AwsAnalysisRules.importRule(twice, options()));
    assertTrue(e.getMessage().contains("names a field twice"), e.getMessage());

    String deep = "{\"v1\": " + "[".repeat(1000) + "]".repeat(1000) + "}";
    e = assertThrows(AwsRuleException.class, () -> AwsAnalysisRules.importRule(deep, options()));
    assertTrue(e.getMessage().contains("nests deeper"), e.getMessage());

    e =
        assertThrows(
            AwsRuleException.class, () -> AwsAnalysisRules.importRule("[1, 2]", options()));
    assertTrue(e.getMessage().contains("must be a JSON object"), e.getMessage());
    e = assertThrows(AwsRuleException.class, () -> AwsAnalysisRules.importRule("  ", options()));
    assertTrue(e.getMessage().contains("empty"), e.getMessage());

    String mismatch = read("aws-aggregation-request.json").replace("\"AGGREGATION\"", "\"CUSTOM\"");
    e =
        assertThrows(
            AwsRuleException.class, () -> AwsAnalysisRules.importRule(mismatch, options()));
    assertEquals("analysisRuleType", e.path());
  }

  @Test
  void providers_withNoMappedAnalyst_areRefused() {
    AwsImportOptions unmapped =
        AwsImportOptions.builder().schema(SCHEMA).userIdColumn(UID).analysts("agency").build();
    AwsRuleException e =
        assertThrows(
            AwsRuleException.class,
            () -> AwsAnalysisRules.importRule(read("aws-custom-dp.json"), unmapped));
    assertEquals("v1.custom.allowedAnalysisProviders", e.path());
  }

  @Test
  void importedDataset_refusesWhatTheRuleForbids() {
    AwsImport imported =
        AwsAnalysisRules.importRule(read("aws-aggregation-request.json"), options());
    Dataset d = dataset(imported);
    assertEquals(ColumnRole.BLOCKED, d.role("hashed_phone"), "not a join column here");
    assertEquals(ColumnRole.BLOCKED, d.role("order_id"));
    assertTrue(d.policy().requiresApprovedTemplates());
  }

  @Test
  void options_validate() {
    assertThrows(
        IllegalStateException.class,
        () -> AwsImportOptions.builder().schema(SCHEMA).userIdColumn(UID).build());
    assertThrows(
        IllegalArgumentException.class,
        () -> AwsImportOptions.builder().schema(SCHEMA).userIdColumn("nope").analysts("a").build());
    assertThrows(
        IllegalArgumentException.class,
        () ->
            AwsImportOptions.builder()
                .schema(SCHEMA)
                .userIdColumn(UID)
                .analysts("a")
                .minDistinctUsers(1)
                .build());
    assertThrows(
        IllegalArgumentException.class,
        () -> AwsImportOptions.builder().accountParty("12345", "a"));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            AwsImportOptions.builder()
                .schema(SCHEMA)
                .userIdColumn(UID)
                .analysts("not a name")
                .build());
    assertThrows(
        IllegalStateException.class, () -> AwsImportOptions.builder().analysts("a").analysts("b"));
  }
}
