package dev.cleanroom.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.AggregateFunction;
import dev.cleanroom.Bounds;
import dev.cleanroom.BudgetPeriod;
import dev.cleanroom.Column;
import dev.cleanroom.ColumnRole;
import dev.cleanroom.Dataset;
import dev.cleanroom.DifferentialPrivacyRule;
import dev.cleanroom.Policy;
import dev.cleanroom.PrivacyBudget;
import dev.cleanroom.QueryLimit;
import dev.cleanroom.Schema;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.source.InMemorySource;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyDocumentTest {
  /** Every field of a document, each set away from its default. */
  static final String FULL =
      """
      cleanroomPolicy: 1
      owner: publisher
      dataset: impressions
      columns:
        email: {type: string, role: user_id, format: email}
        campaign_id: {type: long, role: dimension}
        country: {type: string, role: dimension}
        spend: {type: double, role: metric, bounds: {lower: 0, upper: 100}}
        notes: {type: string, role: blocked}
      policy:
        analysts: [advertiser, agency]
        receivers: [advertiser]
        joinColumns: [email]
        dimensions: [campaign_id]
        aggregates:
          spend: [sum]
        groupClamps:
          spend: {lower: 0, upper: 50.5}
        minDistinctUsers: 50
        maxGroupsPerUser: 5
        maxContributionsPerGroup: 3
        differentialPrivacy:
          budget: {epsilon: 10, delta: 1e-6}
          maxEpsilonPerQuery: 1.5
          period: monthly
        queryLimit: {queries: 100, period: daily}
        requireApprovedTemplates: true
        differenceCheckRetention: PT12H
        cohortReceivers: [publisher]
        minCohortSize: 200
      """;

  /** The fewest fields a document may have. */
  static final String MINIMAL =
      """
      cleanroomPolicy: 1
      owner: shop
      dataset: visits
      columns:
        uid: {type: string, role: user_id}
      policy:
        analysts: [analyst]
        minDistinctUsers: 20
      """;

  private static PolicyDocumentException error(String text) {
    return assertThrows(PolicyDocumentException.class, () -> PolicyDocument.parse(text));
  }

  private static void assertError(String text, int line, String field, String problemPart) {
    PolicyDocumentException e = error(text);
    assertEquals(line, e.line(), e.getMessage());
    assertEquals(field, e.field(), e.getMessage());
    assertTrue(e.problem().contains(problemPart), e.getMessage());
    assertTrue(e.getMessage().startsWith("line " + line + ", column " + e.column() + ": "));
  }

  @Test
  void varianceAndStddev_areAggregatesAnOwnerMayAllow() {
    PolicyDocument d =
        PolicyDocument.parse(FULL.replace("spend: [sum]", "spend: [sum, variance, stddev]"));
    assertEquals(
        Set.of(AggregateFunction.SUM, AggregateFunction.VARIANCE, AggregateFunction.STDDEV),
        d.policy().allowedAggregates("spend"));
    assertEquals(d, PolicyDocument.parse(d.toYaml()));
  }

  @Test
  void everyField_isRead() {
    PolicyDocument d = PolicyDocument.parse(FULL);
    assertEquals("publisher", d.owner());
    assertEquals("impressions", d.name());
    assertEquals("publisher.impressions", d.qualifiedName());
    assertEquals("email", d.userIdColumn());
    assertEquals(UserIdFormat.EMAIL, d.userIdFormat());
    assertEquals(
        Map.of(
            "email", ColumnRole.USER_ID,
            "campaign_id", ColumnRole.DIMENSION,
            "country", ColumnRole.DIMENSION,
            "spend", ColumnRole.METRIC,
            "notes", ColumnRole.BLOCKED),
        d.roles());
    assertEquals(
        java.util.List.of(
            Column.int64("campaign_id"),
            Column.string("country"),
            Column.string("email"),
            Column.string("notes"),
            Column.float64("spend")),
        d.columns());
    assertEquals(Map.of("spend", Bounds.of(0, 100)), d.metricBounds());
    Policy p = d.policy();
    assertEquals(Set.of("advertiser", "agency"), p.analysts());
    assertEquals(Set.of("advertiser"), p.receivers());
    assertEquals(Set.of("email"), p.joinColumns());
    assertEquals(Optional.of(Set.of("campaign_id")), p.allowedDimensions());
    assertEquals(Set.of(AggregateFunction.SUM), p.allowedAggregates("spend"));
    assertEquals(Optional.of(Bounds.of(0, 50.5)), p.groupClamp("spend"));
    assertEquals(50, p.minDistinctUsers());
    assertEquals(5, p.maxGroupsPerUser());
    assertEquals(3, p.maxContributionsPerGroup());
    DifferentialPrivacyRule dp = p.differentialPrivacy().orElseThrow();
    assertTrue(dp.total() instanceof PrivacyBudget.ApproxDp);
    assertEquals(0, dp.total().epsilon().compareTo(BigDecimal.TEN));
    assertEquals(0, dp.total().delta().compareTo(new BigDecimal("0.000001")));
    assertEquals(0, dp.maxEpsilonPerQuery().compareTo(new BigDecimal("1.5")));
    assertEquals(BudgetPeriod.MONTHLY, dp.period());
    assertEquals(Optional.of(new QueryLimit(100, BudgetPeriod.DAILY)), p.queryLimit());
    assertTrue(p.requiresApprovedTemplates());
    assertEquals(Optional.of(Duration.ofHours(12)), p.differenceCheckRetention());
    assertEquals(Set.of("publisher"), p.cohortReceivers());
    assertEquals(200, p.minCohortSize());
  }

  @Test
  void missingOptionalFields_takeThePolicyBuildersDefaults() {
    PolicyDocument d = PolicyDocument.parse(MINIMAL);
    Policy expected = Policy.builder().allowAnalysts("analyst").minDistinctUsers(20).build();
    assertEquals(expected, d.policy());
    assertEquals(UserIdFormat.RAW, d.userIdFormat());
    assertEquals(Set.of(), d.policy().joinColumns());
    assertEquals(Optional.empty(), d.policy().allowedDimensions());
    assertEquals(Optional.of(Duration.ofDays(30)), d.policy().differenceCheckRetention());
    assertEquals(Policy.DEFAULT_MIN_COHORT_SIZE, d.policy().minCohortSize());
  }

  @Test
  void canonicalForm_writesEveryDefault_inFixedOrder() {
    assertEquals(
        """
        cleanroomPolicy: 1
        owner: shop
        dataset: visits
        columns:
          uid: {type: string, role: user_id, format: raw}
        policy:
          analysts: [analyst]
          receivers: [analyst]
          joinColumns: []
          aggregates: {}
          groupClamps: {}
          minDistinctUsers: 20
          maxGroupsPerUser: 1
          maxContributionsPerGroup: 1
          requireApprovedTemplates: false
          differenceCheckRetention: P30D
          cohortReceivers: []
          minCohortSize: 100
        """,
        PolicyDocument.parse(MINIMAL).toYaml());
  }

  @Test
  void canonicalForm_ofTheFullDocument_sortsNamesAndSpellsNumbersOnce() {
    String yaml = PolicyDocument.parse(FULL).toYaml();
    assertEquals(
        """
        cleanroomPolicy: 1
        owner: publisher
        dataset: impressions
        columns:
          campaign_id: {type: long, role: dimension}
          country: {type: string, role: dimension}
          email: {type: string, role: user_id, format: email}
          notes: {type: string, role: blocked}
          spend: {type: double, role: metric, bounds: {lower: 0, upper: 100}}
        policy:
          analysts: [advertiser, agency]
          receivers: [advertiser]
          joinColumns: [email]
          dimensions: [campaign_id]
          aggregates:
            spend: [sum]
          groupClamps:
            spend: {lower: 0, upper: 50.5}
          minDistinctUsers: 50
          maxGroupsPerUser: 5
          maxContributionsPerGroup: 3
          differentialPrivacy:
            budget: {epsilon: 10, delta: 0.000001}
            maxEpsilonPerQuery: 1.5
            period: monthly
          queryLimit: {queries: 100, period: daily}
          requireApprovedTemplates: true
          differenceCheckRetention: PT12H
          cohortReceivers: [publisher]
          minCohortSize: 200
        """,
        yaml);
  }

  @Test
  void json_readsBackToTheSameDocument() {
    PolicyDocument d = PolicyDocument.parse(FULL);
    String json = d.toJson();
    assertTrue(json.startsWith("{\n  \"cleanroomPolicy\": 1,\n  \"owner\": \"publisher\","), json);
    PolicyDocument back = PolicyDocument.parse(json);
    assertEquals(d, back);
    assertEquals(d.policy(), back.policy());
    assertEquals(d.hash(), back.hash());
  }

  @Test
  void hash_isSha256OfTheCanonicalForm_andIgnoresOrderSpacingAndComments() throws Exception {
    PolicyDocument d = PolicyDocument.parse(FULL);
    byte[] digest =
        java.security.MessageDigest.getInstance("SHA-256")
            .digest(d.toYaml().getBytes(StandardCharsets.UTF_8));
    assertEquals(java.util.HexFormat.of().formatHex(digest), d.hash());
    String reordered =
        """
        # the same rules, written differently
        policy:
          minDistinctUsers:   50
          analysts: [agency, advertiser]     # order does not matter
          receivers: [advertiser]
          maxGroupsPerUser: 5
          maxContributionsPerGroup: 3
          groupClamps: {spend: {upper: 50.50, lower: 0.0}}
          aggregates: {spend: [sum]}
          dimensions: [campaign_id]
          joinColumns: [email]
          queryLimit: {period: daily, queries: 100}
          differentialPrivacy: {period: monthly, maxEpsilonPerQuery: 1.50,
                                budget: {delta: 0.0000010, epsilon: 10.0}}
          requireApprovedTemplates: true
          differenceCheckRetention: PT720M
          cohortReceivers: [publisher]
          minCohortSize: 200
        columns:
          spend: {bounds: {lower: 0, upper: 1e2}, role: metric, type: double}
          notes: {role: blocked, type: string}
          email: {format: email, role: user_id, type: string}
          country: {type: string, role: dimension}
          campaign_id: {type: long, role: dimension}
        dataset: impressions
        owner: publisher
        cleanroomPolicy: 1
        """;
    assertEquals(d.hash(), PolicyDocument.parse(reordered).hash());
    assertEquals(d, PolicyDocument.parse(reordered));
    assertNotEquals(
        d.hash(),
        PolicyDocument.parse(FULL.replace("minDistinctUsers: 50", "minDistinctUsers: 51")).hash());
  }

  @Test
  void datasetFromADocument_hasItsRolesAndPolicy_andMakesTheSameDocument() {
    PolicyDocument d = PolicyDocument.parse(FULL);
    InMemorySource source =
        InMemorySource.builder(
                "impressions",
                Schema.of(
                    Column.string("email"),
                    Column.int64("campaign_id"),
                    Column.string("country"),
                    Column.float64("spend"),
                    Column.string("notes"),
                    Column.string("extra")))
            .addRow("a@example.com", 1L, "DE", 2.0, "x", "y")
            .build();
    Dataset ds = d.dataset(source);
    assertEquals(d.roles(), ds.roles());
    assertEquals(ColumnRole.BLOCKED, ds.role("extra"));
    assertEquals(UserIdFormat.EMAIL, ds.userIdFormat());
    assertEquals(Optional.of(Bounds.of(0, 100)), ds.metricBounds("spend"));
    assertEquals(d.policy(), ds.policy());
    assertEquals(d, PolicyDocument.of(ds));
    assertEquals(d.hash(), PolicyDocument.of(ds).hash());
  }

  @Test
  void datasetFromADocument_refusesASourceWithAnotherType() {
    PolicyDocument d = PolicyDocument.parse(MINIMAL);
    InMemorySource longIds =
        InMemorySource.builder("visits", Schema.of(Column.int64("uid"))).addRow(1L).build();
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> d.dataset(longIds));
    assertTrue(e.getMessage().contains("[uid]") && e.getMessage().contains("LONG"));
    InMemorySource missing =
        InMemorySource.builder("visits", Schema.of(Column.string("other"))).addRow("x").build();
    assertThrows(IllegalArgumentException.class, () -> d.dataset(missing));
  }

  @Test
  void nulls_areRejected() {
    com.google.common.testing.NullPointerTester tester =
        new com.google.common.testing.NullPointerTester();
    tester.testAllPublicStaticMethods(PolicyDocument.class);
    tester.testAllPublicInstanceMethods(PolicyDocument.parse(MINIMAL));
  }

  @Test
  void read_readsAUtf8File(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("visits.yaml");
    Files.writeString(file, MINIMAL, StandardCharsets.UTF_8);
    assertEquals(PolicyDocument.parse(MINIMAL), PolicyDocument.read(file));
  }

  @Test
  void pureAndApproximateBudgets_areKeptApart() {
    String pure =
        MINIMAL + "  differentialPrivacy: {budget: {epsilon: 2}, maxEpsilonPerQuery: 0.5}\n";
    String approx =
        MINIMAL
            + "  differentialPrivacy: {budget: {epsilon: 2, delta: 0}, maxEpsilonPerQuery: 0.5}\n";
    Policy p = PolicyDocument.parse(pure).policy();
    Policy a = PolicyDocument.parse(approx).policy();
    assertTrue(p.differentialPrivacy().orElseThrow().total() instanceof PrivacyBudget.PureDp);
    assertTrue(a.differentialPrivacy().orElseThrow().total() instanceof PrivacyBudget.ApproxDp);
    assertEquals(BudgetPeriod.NONE, p.differentialPrivacy().orElseThrow().period());
    assertNotEquals(p, a);
    assertTrue(PolicyDocument.parse(approx).toYaml().contains("budget: {epsilon: 2, delta: 0}"));
  }

  @Test
  void differenceChecks_offAndDurations() {
    assertEquals(
        Optional.empty(),
        PolicyDocument.parse(MINIMAL + "  differenceCheckRetention: off\n")
            .policy()
            .differenceCheckRetention());
    PolicyDocument week = PolicyDocument.parse(MINIMAL + "  differenceCheckRetention: PT168H\n");
    assertEquals(Optional.of(Duration.ofDays(7)), week.policy().differenceCheckRetention());
    assertTrue(week.toYaml().contains("differenceCheckRetention: P7D\n"));
  }

  @Test
  void numbers_haveOneSpelling() {
    assertEquals("0", DocumentWriter.number(0.0));
    assertEquals("-0", DocumentWriter.number(-0.0));
    assertEquals("100", DocumentWriter.number(100));
    assertEquals("0.1", DocumentWriter.number(0.1));
    assertEquals("0.00001", DocumentWriter.number(1e-5));
    assertEquals("1E-8", DocumentWriter.number(1e-8));
    assertEquals("1E+300", DocumentWriter.number(1e300));
    assertEquals("-2.5", DocumentWriter.number(-2.5));
    assertEquals("123456789012345680000", DocumentWriter.number(1.2345678901234568e20));
    assertEquals("1.2345678901234568E+21", DocumentWriter.number(1.2345678901234568e21));
    assertEquals("1", DocumentWriter.decimal(new BigDecimal("1.000")));
  }

  @Test
  void reservedWords_areQuotedAsNames() {
    PolicyDocument d =
        PolicyDocument.parse(
            MINIMAL.replace("analysts: [analyst]", "analysts: [\"null\", \"true\"]"));
    assertEquals(Set.of("null", "true"), d.policy().analysts());
    assertTrue(d.toYaml().contains("analysts: [\"null\", \"true\"]"), d.toYaml());
    assertEquals(d, PolicyDocument.parse(d.toYaml()));
  }

  // ---- errors: each kind names the line and the field -------------------------------------

  @Test
  void unknownField_isNamed() {
    assertError(MINIMAL + "  minDistinctUser: 5\n", 9, "policy", "unknown field 'minDistinctUser'");
    assertError("colour: red\n" + MINIMAL, 1, "", "unknown field 'colour'");
    assertError(
        MINIMAL.replace("role: user_id}", "role: user_id, size: 3}"),
        5,
        "columns.uid",
        "unknown field 'size'");
  }

  @Test
  void missingRequiredField_isNamed() {
    assertError(
        MINIMAL.replace("  minDistinctUsers: 20\n", ""),
        7,
        "policy.minDistinctUsers",
        "is required");
    assertError(MINIMAL.replace("owner: shop\n", ""), 1, "owner", "is required");
    assertError(
        MINIMAL.replace("{type: string, role: user_id}", "{role: user_id}"),
        5,
        "columns.uid.type",
        "is required");
  }

  @Test
  void wrongTypes_areNamed() {
    assertError(
        MINIMAL.replace("minDistinctUsers: 20", "minDistinctUsers: \"20\""),
        8,
        "policy.minDistinctUsers",
        "must be an integer");
    assertError(
        MINIMAL.replace("minDistinctUsers: 20", "minDistinctUsers: 20.5"),
        8,
        "policy.minDistinctUsers",
        "must be a decimal integer");
    assertError(
        MINIMAL.replace("analysts: [analyst]", "analysts: analyst"),
        7,
        "policy.analysts",
        "must be a list");
    assertError(
        MINIMAL.replace("analysts: [analyst]", "analysts: [7]"),
        7,
        "policy.analysts[0]",
        "must be a name");
    assertError(
        MINIMAL + "  requireApprovedTemplates: yes\n",
        9,
        "policy.requireApprovedTemplates",
        "true or false");
    assertError(
        MINIMAL.replace("type: string", "type: text"),
        5,
        "columns.uid.type",
        "one of [string, long, double, date, timestamp, boolean]");
    assertError(
        MINIMAL + "  differenceCheckRetention: 30 days\n",
        9,
        "policy.differenceCheckRetention",
        "ISO-8601");
    assertError("- a\n- b\n", 1, "", "must be a mapping");
  }

  @Test
  void outOfRange_isNamed_withoutTheValue() {
    PolicyDocumentException e =
        error(MINIMAL.replace("minDistinctUsers: 20", "minDistinctUsers: 987654321"));
    assertEquals("policy.minDistinctUsers", e.field());
    assertEquals(8, e.line());
    assertEquals(21, e.column());
    assertEquals(
        "line 8, column 21: policy.minDistinctUsers: must be in [2, 100000]", e.getMessage());
    assertFalse(e.getMessage().contains("987654321"));
    String dp =
        MINIMAL + "  differentialPrivacy:\n    budget: {epsilon: -1}\n    maxEpsilonPerQuery: 1\n";
    assertError(dp, 10, "policy.differentialPrivacy.budget.epsilon", "must be positive");
    assertError(
        MINIMAL + "  differentialPrivacy: {budget: {epsilon: 1}, maxEpsilonPerQuery: 2}\n",
        9,
        "policy.differentialPrivacy.maxEpsilonPerQuery",
        "must not exceed budget.epsilon");
    assertError(
        MINIMAL
            + "  differentialPrivacy: {budget: {epsilon: 1, delta: 1}, maxEpsilonPerQuery: 1}\n",
        9,
        "policy.differentialPrivacy.budget.delta",
        "[0, 1)");
    assertError(
        MINIMAL + "  differentialPrivacy: {budget: {epsilon: .inf}, maxEpsilonPerQuery: 1}\n",
        9,
        "policy.differentialPrivacy.budget.epsilon",
        "finite");
    assertError(
        MINIMAL + "  differenceCheckRetention: PT0S\n",
        9,
        "policy.differenceCheckRetention",
        "positive");
    assertError(
        MINIMAL + "  queryLimit: {queries: 0, period: daily}\n",
        9,
        "policy.queryLimit.queries",
        "[1, 1000000000]");
    assertError(MINIMAL + "  minCohortSize: 1\n", 9, "policy.minCohortSize", "must be in [2,");
  }

  @Test
  void duplicateKeys_areNamed() {
    assertError(
        MINIMAL + "  minDistinctUsers: 30\n", 9, "policy.minDistinctUsers", "is given twice");
    assertError(
        MINIMAL.replace("columns:\n", "columns:\n  uid: {type: string, role: blocked}\n"),
        6,
        "columns.uid",
        "is given twice");
    assertError(
        MINIMAL.replace("analysts: [analyst]", "analysts: [analyst, analyst]"),
        7,
        "policy.analysts[1]",
        "listed twice");
  }

  @Test
  void inconsistentFields_areNamed() {
    String metric =
        MINIMAL.replace(
            "columns:\n",
            "columns:\n  spend: {type: double, role: metric, bounds: {lower: 0, upper: 9}}\n  region: {type: string, role: dimension}\n");
    assertError(
        metric.replace("role: metric, bounds: {lower: 0, upper: 9}", "role: metric"),
        5,
        "columns.spend.bounds",
        "is required");
    assertError(
        metric.replace("upper: 9", "upper: -1"),
        5,
        "columns.spend.bounds",
        "lower must not exceed upper");
    assertError(
        metric.replace("type: double, role: metric", "type: string, role: metric"),
        5,
        "columns.spend.type",
        "long or double");
    assertError(metric + "  dimensions: [spend]\n", 11, "policy.dimensions[0]", "role dimension");
    assertError(
        metric + "  aggregates: {region: [sum]}\n", 11, "policy.aggregates.region", "role metric");
    assertError(
        metric + "  aggregates: {spend: [count]}\n",
        11,
        "policy.aggregates.spend[0]",
        "one of [sum, avg, variance, stddev, quantile]");
    assertError(
        metric + "  groupClamps: {region: {lower: 0, upper: 1}}\n",
        11,
        "policy.groupClamps.region",
        "role metric");
    assertError(
        metric + "  joinColumns: [region]\n", 11, "policy.joinColumns[0]", "user_id column only");
    assertError(
        MINIMAL.replace("role: user_id}", "role: dimension}"),
        5,
        "columns",
        "no column has role user_id");
    assertError(
        MINIMAL.replace("role: user_id}", "role: user_id, format: fax}"),
        5,
        "columns.uid.format",
        "one of [email, phone, raw, pseudonymized]");
    assertError(
        MINIMAL.replace(
            "type: string, role: user_id}", "type: long, role: user_id, format: email}"),
        5,
        "columns.uid.format",
        "format raw");
    assertError(
        metric.replace("role: dimension}", "role: dimension, format: email}"),
        6,
        "columns.region.format",
        "only a user_id column");
    assertError(
        MINIMAL.replace("cleanroomPolicy: 1", "cleanroomPolicy: 2"),
        1,
        "cleanroomPolicy",
        "must be in [1, 1]");
  }

  @Test
  void syntaxErrors_andLimits_areClear() {
    PolicyDocumentException e = error("owner: [unclosed\n");
    assertTrue(e.problem().startsWith("not well-formed YAML or JSON"), e.getMessage());
    assertEquals("", e.field());
    assertEquals("the document is empty", error("").problem());
    assertEquals("the document is empty", error("# only a comment\n").problem());
    assertTrue(error("a: &x 1\nb: *x\n").problem().contains("not allowed"));
    assertTrue(error("[".repeat(100_000)).problem().contains("nested deeper than"));
    assertTrue(error("a: b\n---\nc: d\n").problem().startsWith("not well-formed"));
    assertTrue(
        error("x".repeat(DocumentParser.MAX_CODE_POINTS + 1)).problem().contains("larger than"));
    PolicyDocumentException json =
        error("{\"cleanroomPolicy\": 1, \"owner\": \"shop\",\n \"dataset\": 5}");
    assertEquals(2, json.line());
  }

  @Test
  void errors_neverRepeatAValue() {
    String secret = "alice_at_example_com";
    PolicyDocumentException e = error(MINIMAL.replace("type: string", "type: " + secret));
    assertFalse(e.getMessage().contains(secret), e.getMessage());
    e = error(MINIMAL.replace("owner: shop", "owner: 'alice@example.com'"));
    assertFalse(e.getMessage().contains("alice"), e.getMessage());
    e = error(MINIMAL.replace("analysts: [analyst]", "analysts: [analyst, 'x y 'z']"));
    assertFalse(e.getMessage().contains("x y"), e.getMessage());
  }
}
