package dev.cleanroom;

import static dev.cleanroom.query.Dsl.col;
import static dev.cleanroom.query.Dsl.count;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static dev.cleanroom.query.Dsl.lift;
import static dev.cleanroom.query.Dsl.param;
import static dev.cleanroom.query.Dsl.ratio;
import static dev.cleanroom.query.Dsl.sum;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.testing.NullPointerTester;
import dev.cleanroom.query.Condition;
import dev.cleanroom.query.NoiseKind;
import dev.cleanroom.query.Privacy;
import dev.cleanroom.query.QueryOptions;
import dev.cleanroom.query.QuerySpec;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class QueryTemplateTest {
  private static QuerySpec spec(List<Condition> where) {
    return new QuerySpec("advertiser", List.of("p.x"), where, List.of("country"), List.of(count()));
  }

  private static final QuerySpec BASE =
      spec(List.of(col("campaign").eq(param("campaign")), col("country").in("DE", "FR")));

  private static QueryTemplate template(QuerySpec query, Param... params) {
    return QueryTemplate.of("t", query, params);
  }

  private static QueryTemplate base() {
    return template(BASE, Param.longParam("campaign", 0, 99));
  }

  @Test
  void template_keepsItsParts_andTheAuthorIsTheAnalyst() {
    QueryTemplate t = base();
    assertEquals("t", t.id());
    assertEquals(BASE, t.query());
    assertEquals(List.of(Param.longParam("campaign", 0, 99)), t.params());
    assertEquals("advertiser", t.author());
  }

  @Test
  void invalidId_isRejected() {
    assertThrows(
        IllegalArgumentException.class,
        () -> QueryTemplate.of("a b", BASE, Param.longParam("campaign", 0, 1)));
  }

  @Test
  void undeclaredParameter_isRejected_namingIt() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> template(BASE));
    assertTrue(e.getMessage().contains("[campaign]"), e.getMessage());
  }

  @Test
  void parameterInsideNotOrAndIn_counts() {
    QuerySpec nested =
        spec(
            List.of(
                col("a").eq(1L).or(col("b").ne(param("p")).not()),
                new Condition.In("c", List.of("x", param("q")))));
    QueryTemplate t =
        template(nested, Param.longParam("p", 0, 1), Param.textParam("q", Set.of("y")));
    assertEquals(2, t.params().size());
    assertThrows(
        IllegalArgumentException.class, () -> template(nested, Param.longParam("p", 0, 1)));
  }

  @Test
  void unusedParameter_isRejected_namingIt() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                template(BASE, Param.longParam("campaign", 0, 1), Param.longParam("unused", 0, 1)));
    assertTrue(e.getMessage().contains("[unused]"), e.getMessage());
  }

  @Test
  void duplicateParameter_isRejected() {
    assertThrows(
        IllegalArgumentException.class,
        () -> template(BASE, Param.longParam("campaign", 0, 1), Param.longParam("campaign", 0, 2)));
  }

  @Test
  void longParam_needsMinAtMostMax_andAValidName() {
    assertEquals(5, Param.longParam("p", 5, 5).max());
    assertThrows(IllegalArgumentException.class, () -> Param.longParam("p", 2, 1));
    assertThrows(IllegalArgumentException.class, () -> Param.longParam("1p", 0, 1));
    assertThrows(NullPointerException.class, () -> Param.longParam(null, 0, 1));
  }

  @Test
  void textParam_needsValues_keepsThemSorted_andHidesThemInToString() {
    Set<String> in = new LinkedHashSet<>(List.of("FR", "DE"));
    Param.TextParam p = Param.textParam("country", in);
    assertEquals(List.of("DE", "FR"), List.copyOf(p.allowed()));
    assertThrows(UnsupportedOperationException.class, () -> p.allowed().add("IT"));
    assertFalse(p.toString().contains("DE"), p.toString());
    assertThrows(IllegalArgumentException.class, () -> Param.textParam("country", Set.of()));
    Set<String> withNull = new LinkedHashSet<>();
    withNull.add(null);
    assertThrows(NullPointerException.class, () -> Param.textParam("country", withNull));
  }

  @Test
  void placeholder_isNotAPublicGroupValue() {
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new Privacy.Differential(
                PrivacyBudget.epsilon(1),
                NoiseKind.LAPLACE,
                Optional.of(List.of(List.of(param("p"))))));
  }

  @Test
  void contentHash_isSha256Hex_andStable() {
    String h = base().contentHash();
    assertTrue(h.matches("[0-9a-f]{64}"), h);
    assertEquals(h, base().contentHash());
  }

  @Test
  void contentHash_ignoresTheOrderOfParameterDeclarations_andOfTextValues() {
    QuerySpec two = spec(List.of(col("a").eq(param("p")), col("b").eq(param("q"))));
    Param p = Param.longParam("p", 0, 1);
    Param q1 = Param.textParam("q", new LinkedHashSet<>(List.of("x", "y")));
    Param q2 = Param.textParam("q", new LinkedHashSet<>(List.of("y", "x")));
    assertEquals(template(two, p, q1).contentHash(), template(two, q2, p).contentHash());
  }

  @Test
  void contentHash_changesWithEveryPartOfTheTemplate() {
    String h = base().contentHash();
    Param campaign = Param.longParam("campaign", 0, 99);
    List<QueryTemplate> changed =
        List.of(
            QueryTemplate.of("t2", BASE, campaign),
            template(BASE, Param.longParam("campaign", 0, 98)),
            template(BASE, Param.longParam("campaign", 1, 99)),
            template(
                spec(List.of(col("campaign").eq(param("campaign")), col("country").in("DE"))),
                campaign),
            template(
                spec(List.of(col("campaign").ne(param("campaign")), col("country").in("DE", "FR"))),
                campaign),
            template(
                new QuerySpec(
                    "publisher", BASE.datasets(), BASE.where(), BASE.groupBy(), BASE.aggregates()),
                campaign),
            template(
                new QuerySpec(
                    "advertiser",
                    BASE.datasets(),
                    BASE.where(),
                    BASE.groupBy(),
                    List.of(countDistinctUsers())),
                campaign),
            template(
                new QuerySpec(
                    "advertiser", BASE.datasets(), BASE.where(), List.of(), BASE.aggregates()),
                campaign),
            template(
                BASE.withPrivacy(
                    new Privacy.Differential(
                        PrivacyBudget.epsilon(1), NoiseKind.LAPLACE, Optional.empty())),
                campaign));
    for (QueryTemplate t : changed) {
      assertNotEquals(h, t.contentHash(), t.toString());
    }
  }

  @Test
  void contentHash_ofATemplateWithoutOptions_isTheOneItHadBeforeOptions() {
    // Approvals stored before options existed stay pinned to the same hash.
    assertEquals(
        "6f7def0633d0a04a6514451e106595f6d93d75037f54a4c848052eb4573c8e93", base().contentHash());
  }

  @Test
  void contentHash_coversTheQueryOptions() {
    QuerySpec twoCounts =
        new QuerySpec(
            "advertiser",
            List.of("p.x"),
            BASE.where(),
            List.of("country"),
            List.of(count().as("rows"), countDistinctUsers().as("people"), sum("spend").as("s")));
    Param campaign = Param.longParam("campaign", 0, 99);
    QueryOptions ratio = QueryOptions.NONE.withDerived(List.of(ratio("r", "rows", "people")));
    List<QueryOptions> options =
        List.of(
            QueryOptions.NONE,
            ratio,
            QueryOptions.NONE.withDerived(List.of(ratio("r", "people", "rows"))),
            QueryOptions.NONE.withDerived(List.of(ratio("q", "rows", "people"))),
            ratio.withDerived(List.of(lift("l", "r", "country", "DE", "FR"))),
            ratio.withDerived(List.of(lift("l", "r", "country", "FR", "DE"))),
            ratio.withDerived(List.of(lift("l", "r", "country", 1L, 2L))),
            ratio.withDerived(List.of(lift("l", "r", "country", "1", "2"))),
            QueryOptions.NONE.withBounds("spend", Bounds.of(0, 5)),
            QueryOptions.NONE.withBounds("spend", Bounds.of(0, 6)),
            QueryOptions.NONE.withBounds("spend", Bounds.of(-0.0, 5)),
            QueryOptions.NONE.withConsistent(true),
            ratio.withConsistent(true));
    Set<String> hashes = new java.util.HashSet<>();
    for (QueryOptions o : options) {
      QueryTemplate t = template(twoCounts.withOptions(o), campaign);
      assertTrue(hashes.add(t.contentHash()), o.toString());
      assertEquals(t.contentHash(), template(twoCounts.withOptions(o), campaign).contentHash());
    }
  }

  @Test
  void contentHash_tellsAParameterFromALiteralOfTheSameName() {
    QuerySpec literal = spec(List.of(col("a").eq("p"), col("b").eq(param("q"))));
    QuerySpec parameter = spec(List.of(col("a").eq(param("p")), col("b").eq(param("q"))));
    Param q = Param.longParam("q", 0, 1);
    assertNotEquals(
        template(literal, q).contentHash(),
        template(parameter, q, Param.longParam("p", 0, 1)).contentHash());
  }

  @Test
  void everyPublicMethod_rejectsNull() {
    NullPointerTester tester =
        new NullPointerTester()
            .setDefault(String.class, "valid_name")
            .setDefault(QuerySpec.class, spec(List.of(col("a").eq(1L))))
            .setDefault(Set.class, Set.of("x"));
    tester.testAllPublicStaticMethods(Param.class);
    tester.testAllPublicConstructors(Param.LongParam.class);
    tester.testAllPublicConstructors(Param.TextParam.class);
    tester.testAllPublicConstructors(QueryTemplate.class);
    tester.testAllPublicStaticMethods(QueryTemplate.class);
    tester.testAllPublicInstanceMethods(base());
  }

  @Test
  void policy_requireApprovedTemplates_isSetOnce_andShown() {
    Policy.Builder b = Policy.builder().allowAnalysts("a").minDistinctUsers(2);
    assertFalse(
        Policy.builder()
            .allowAnalysts("a")
            .minDistinctUsers(2)
            .build()
            .requiresApprovedTemplates());
    Policy p = b.requireApprovedTemplates().build();
    assertTrue(p.requiresApprovedTemplates());
    assertTrue(p.toString().contains("approved templates only"), p.toString());
    assertThrows(IllegalStateException.class, b::requireApprovedTemplates);
  }
}
