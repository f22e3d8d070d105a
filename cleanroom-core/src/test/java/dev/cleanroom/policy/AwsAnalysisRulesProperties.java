package dev.cleanroom.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.AggregateFunction;
import dev.cleanroom.BudgetPeriod;
import dev.cleanroom.Column;
import dev.cleanroom.ColumnRole;
import dev.cleanroom.DifferentialPrivacyRule;
import dev.cleanroom.Policy;
import dev.cleanroom.PrivacyBudget;
import dev.cleanroom.Schema;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
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
import net.jqwik.api.constraints.IntRange;

/**
 * An import of a mutated AWS document returns a policy or throws {@link AwsRuleException}, nothing
 * else; an export of a policy reads back as the same policy where AWS can say it.
 */
class AwsAnalysisRulesProperties {
  private static final List<String> FIXTURES =
      List.of(
          "aws-aggregation.json",
          "aws-aggregation-request.json",
          "aws-list.json",
          "aws-custom-dp.json",
          "aws-custom-templates.json",
          "aws-budget-template.json");

  /** Pieces that mutations insert: JSON punctuation, other types, AWS words, odd characters. */
  private static final List<String> PIECES =
      List.of(
          "{",
          "}",
          "[",
          "]",
          ",",
          ":",
          "\"",
          "\\",
          "null",
          "true",
          "-1",
          "0",
          "1e999",
          "2.5",
          "100001",
          "99999999999999999999",
          "\"COUNT_DISTINCT\"",
          "\"hashed_email\"",
          "\"ANY_QUERY\"",
          "\"v1\"",
          "\"custom\"",
          "\"list\"",
          "{}",
          "[]",
          "&a",
          "*a",
          "!!str",
          "#",
          "\n",
          "\t",
          "\u0000",
          "\uFFFE",
          "\uD800",
          "'",
          "- ",
          "? ");

  private static final String UID = "id";
  private static final List<String> DIMS = List.of("d0", "d1", "d2", "d3");
  private static final List<String> METRICS = List.of("m0", "m1", "m2");
  private static final Schema SCHEMA =
      Schema.of(
          Column.string(UID),
          Column.string("d0"),
          Column.string("d1"),
          Column.string("d2"),
          Column.string("d3"),
          Column.float64("m0"),
          Column.float64("m1"),
          Column.int64("m2"),
          Column.string("other"));
  private static final Map<String, String> ACCOUNTS =
      Map.of("a1", "111111111111", "a2", "222222222222", "a3", "333333333333");

  /** One mutation: at a relative position, delete some characters or insert a piece. */
  record Mutation(double at, int delete, String insert) {
    String apply(String text) {
      int i = (int) (at * text.length());
      int end = Math.min(text.length(), i + delete);
      return text.substring(0, i) + insert + text.substring(end);
    }
  }

  @Provide
  Arbitrary<List<Mutation>> mutations() {
    Arbitrary<String> insert =
        Arbitraries.oneOf(
            Arbitraries.of(PIECES),
            Arbitraries.strings().all().ofMaxLength(3),
            Arbitraries.just(""));
    return Combinators.combine(
            Arbitraries.doubles().between(0, 1).withSpecialValue(0.0),
            Arbitraries.integers().between(0, 12),
            insert)
        .as(Mutation::new)
        .list()
        .ofMinSize(1)
        .ofMaxSize(4);
  }

  @Property(tries = 600)
  void mutatedDocument_givesAPolicyOrTheDocumentedException(
      @ForAll("fixtures") String fixture,
      @ForAll("mutations") List<Mutation> mutations,
      @ForAll boolean withBudget) {
    String doc = AwsFixtures.read(fixture);
    for (Mutation m : mutations) {
      doc = m.apply(doc);
    }
    try {
      AwsImport imported =
          withBudget
              ? AwsAnalysisRules.importRule(
                  doc, AwsFixtures.read("aws-budget-template.json"), AwsFixtures.options())
              : AwsAnalysisRules.importRule(doc, AwsFixtures.options());
      assertTrue(imported.policy().minDistinctUsers() >= Policy.MIN_K);
      assertFalse(imported.report().entries().isEmpty());
      assertFalse(imported.report().render().isEmpty());
    } catch (AwsRuleException e) {
      assertFalse(e.getMessage().isBlank());
      assertTrue(e.line() >= 0 && e.column() >= 0);
    }
  }

  @Property(tries = 300)
  void mutatedBudgetTemplate_givesAPolicyOrTheDocumentedException(
      @ForAll("mutations") List<Mutation> mutations) {
    String doc = AwsFixtures.read("aws-budget-template.json");
    for (Mutation m : mutations) {
      doc = m.apply(doc);
    }
    try {
      AwsImport imported =
          AwsAnalysisRules.importRule(
              AwsFixtures.read("aws-custom-dp.json"), doc, AwsFixtures.options());
      assertTrue(imported.policy().differentialPrivacy().isPresent());
    } catch (AwsRuleException e) {
      assertFalse(e.getMessage().isBlank());
    }
  }

  @Provide
  Arbitrary<String> fixtures() {
    return Arbitraries.of(FIXTURES);
  }

  /** The expressible part of a policy: analysts, join, dimensions, aggregates, k. */
  record Shape(
      Set<String> declaredDims,
      int narrowMask,
      List<Integer> metricChoice,
      int k,
      boolean join,
      Set<String> analysts) {

    /** Per metric: 0 undeclared, 1 declared with the default functions, 2 SUM, 3 AVG, 4 both. */
    Set<AggregateFunction> functions(int choice) {
      return switch (choice) {
        case 2 -> EnumSet.of(AggregateFunction.SUM);
        case 3 -> EnumSet.of(AggregateFunction.AVG);
        default -> EnumSet.of(AggregateFunction.SUM, AggregateFunction.AVG);
      };
    }

    Optional<Set<String>> narrowed() {
      Set<String> out = new LinkedHashSet<>();
      for (int i = 0; i < DIMS.size(); i++) {
        if ((narrowMask & (1 << i)) != 0 && declaredDims.contains(DIMS.get(i))) {
          out.add(DIMS.get(i));
        }
      }
      return out.isEmpty() ? Optional.empty() : Optional.of(out);
    }

    Map<String, ColumnRole> roles() {
      Map<String, ColumnRole> roles = new LinkedHashMap<>();
      roles.put(UID, ColumnRole.USER_ID);
      for (String d : DIMS) {
        if (declaredDims.contains(d)) {
          roles.put(d, ColumnRole.DIMENSION);
        }
      }
      for (int i = 0; i < METRICS.size(); i++) {
        if (metricChoice.get(i) != 0) {
          roles.put(METRICS.get(i), ColumnRole.METRIC);
        }
      }
      roles.put("other", ColumnRole.BLOCKED);
      return roles;
    }

    Policy policy() {
      Policy.Builder b =
          Policy.builder().allowAnalysts(analysts.toArray(String[]::new)).minDistinctUsers(k);
      if (join) {
        b.allowJoinOn(UID);
      }
      narrowed().ifPresent(n -> b.allowDimensions(n.toArray(String[]::new)));
      for (int i = 0; i < METRICS.size(); i++) {
        int c = metricChoice.get(i);
        if (c >= 2) {
          b.allowAggregates(METRICS.get(i), functions(c).toArray(AggregateFunction[]::new));
        }
      }
      return b.build();
    }

    Set<String> effectiveDims() {
      return narrowed().orElse(declaredDims);
    }
  }

  @Provide
  Arbitrary<Shape> shapes() {
    return Combinators.combine(
            Arbitraries.of(DIMS).set().ofMaxSize(4),
            Arbitraries.integers().between(0, 15),
            Arbitraries.integers().between(0, 4).list().ofSize(3),
            Arbitraries.integers().between(Policy.MIN_K, Policy.MAX_K),
            Arbitraries.of(true, false),
            Arbitraries.of("a1", "a2", "a3").set().ofMinSize(1))
        .as(Shape::new);
  }

  private static Set<String> effective(AwsImport imported) {
    Set<String> dims = new LinkedHashSet<>();
    imported
        .roles()
        .forEach(
            (c, r) -> {
              if (r == ColumnRole.DIMENSION) {
                dims.add(c);
              }
            });
    return imported.policy().allowedDimensions().orElse(dims);
  }

  @Property(tries = 300)
  void aggregationExport_readsBackAsTheSamePolicy(@ForAll("shapes") Shape shape) {
    Policy policy = shape.policy();
    AwsExport export = AwsAnalysisRules.exportRule(policy, UID, shape.roles(), Map.of());
    assertTrue(export.privacyBudgetTemplate().isEmpty());
    assertTrue(export.analysisRulePolicy().contains("\"aggregation\""));
    AwsImport back =
        AwsAnalysisRules.importRule(
            export.analysisRulePolicy(),
            AwsImportOptions.builder()
                .schema(SCHEMA)
                .userIdColumn(UID)
                .analysts(policy.analysts().toArray(String[]::new))
                .build());
    Policy p = back.policy();
    assertEquals(policy.analysts(), p.analysts());
    assertEquals(policy.joinColumns(), p.joinColumns());
    assertEquals(shape.effectiveDims(), effective(back));
    List<String> metrics = new ArrayList<>();
    for (int i = 0; i < METRICS.size(); i++) {
      if (shape.metricChoice().get(i) != 0) {
        String m = METRICS.get(i);
        metrics.add(m);
        assertEquals(policy.allowedAggregates(m), p.allowedAggregates(m), m);
      }
    }
    assertEquals(Set.copyOf(metrics), Set.copyOf(back.metrics()));
    assertEquals(policy.minDistinctUsers(), p.minDistinctUsers());
    assertFalse(p.requiresApprovedTemplates());
    assertTrue(p.differentialPrivacy().isEmpty());
    assertTrue(
        back.report().entries(AwsMappingReport.Outcome.NOT_REPRESENTABLE).isEmpty(),
        back.report()::render);
  }

  @Property(tries = 200)
  void differentialPrivacyExport_readsBackAsTheSameBudget(
      @ForAll @IntRange(min = 1, max = 20) int epsilon,
      @ForAll @IntRange(min = 10, max = 100) int users,
      @ForAll boolean monthly,
      @ForAll("analysts") Set<String> analysts) {
    Policy policy =
        Policy.builder()
            .allowAnalysts(analysts.toArray(String[]::new))
            .minDistinctUsers(10)
            .differentialPrivacy(
                PrivacyBudget.epsilon(epsilon), AwsAnalysisRules.epsilonPerQuery(users))
            .budgetPeriod(monthly ? BudgetPeriod.MONTHLY : BudgetPeriod.NONE)
            .build();
    Map<String, ColumnRole> roles = Map.of(UID, ColumnRole.USER_ID, "other", ColumnRole.BLOCKED);
    AwsExport export = AwsAnalysisRules.exportRule(policy, UID, roles, ACCOUNTS);
    AwsImportOptions.Builder options =
        AwsImportOptions.builder()
            .schema(SCHEMA)
            .userIdColumn(UID)
            .analysts(analysts.toArray(String[]::new));
    ACCOUNTS.forEach((party, account) -> options.accountParty(account, party));
    AwsImport back =
        AwsAnalysisRules.importRule(
            export.analysisRulePolicy(),
            export.privacyBudgetTemplate().orElseThrow(),
            options.build());
    DifferentialPrivacyRule want = policy.differentialPrivacy().orElseThrow();
    DifferentialPrivacyRule got = back.policy().differentialPrivacy().orElseThrow();
    assertEquals(0, want.total().epsilon().compareTo(got.total().epsilon()));
    assertEquals(0, got.total().delta().signum());
    assertEquals(0, want.maxEpsilonPerQuery().compareTo(got.maxEpsilonPerQuery()));
    assertEquals(want.period(), got.period());
    assertEquals(policy.analysts(), back.policy().analysts());
    assertFalse(back.policy().requiresApprovedTemplates());
    assertEquals(ColumnRole.BLOCKED, back.roles().get("other"));
  }

  @Provide
  Arbitrary<Set<String>> analysts() {
    return Arbitraries.of("a1", "a2", "a3").set().ofMinSize(1);
  }

  /** Strings of whole code points: every character, unpaired surrogates excepted. */
  @Provide
  Arbitrary<String> texts() {
    return Arbitraries.strings()
        .all()
        .ofMaxLength(40)
        .filter(t -> t.codePoints().noneMatch(cp -> cp >= 0xD800 && cp <= 0xDFFF));
  }

  @Property(tries = 500)
  void writtenStrings_readBackUnchanged(@ForAll("texts") String s) {
    String json = AwsJsonWriter.write(Map.of("k", s, "n", List.of(1, 2)));
    assertEquals(s, AwsJson.parse(json).string("k").value());
  }
}
