package dev.cleanroom.internal.room;

import static dev.cleanroom.query.Dsl.col;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static dev.cleanroom.query.Dsl.param;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.Column;
import dev.cleanroom.Dataset;
import dev.cleanroom.InvalidQueryException;
import dev.cleanroom.Param;
import dev.cleanroom.Policy;
import dev.cleanroom.PolicyRule;
import dev.cleanroom.PolicyViolationException;
import dev.cleanroom.QueryTemplate;
import dev.cleanroom.Schema;
import dev.cleanroom.SecretKey;
import dev.cleanroom.query.Explanation;
import dev.cleanroom.query.QuerySpec;
import dev.cleanroom.query.Result;
import dev.cleanroom.query.TemplateStage;
import dev.cleanroom.source.InMemorySource;
import dev.cleanroom.spi.AuditEvent;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Approved query templates: registration, approvals pinned to the content hash, parameter checks,
 * and the {@link PolicyRule#TEMPLATE_APPROVED} rule.
 *
 * <p>The room: {@code publisher.impressions} (30 people; campaign = person % 3; country DE for even
 * people, FR for odd ones; approved templates only; open to {@code advertiser}; k=2) and {@code
 * advertiser.conversions} (people 0..19; open to {@code advertiser}; k=4); both joinable.
 */
class QueryTemplateTest {
  private static final String ANALYST = "advertiser";
  private static final String IMPRESSIONS = "publisher.impressions";
  private static final String CONVERSIONS = "advertiser.conversions";

  private final RecordingAuditSink audit = new RecordingAuditSink();
  private final CountingSource impressions;
  private final CountingSource conversions;
  private final CleanRoom room;

  QueryTemplateTest() {
    InMemorySource.Builder imp =
        InMemorySource.builder(
            "impressions.mem",
            Schema.of(
                Column.string("user_id"), Column.int64("campaign"), Column.string("country")));
    for (int u = 0; u < 30; u++) {
      imp.addRow("p" + u, (long) (u % 3), u % 2 == 0 ? "DE" : "FR");
    }
    impressions = new CountingSource(imp.build());
    InMemorySource.Builder conv =
        InMemorySource.builder(
            "conversions.mem", Schema.of(Column.string("user_id"), Column.string("product")));
    for (int u = 0; u < 20; u++) {
      conv.addRow("p" + u, u % 2 == 0 ? "shoes" : "hats");
    }
    conversions = new CountingSource(conv.build());
    room =
        CleanRoom.builder()
            .secretKey(SecretKey.of("template-test-key-0123456789".getBytes(UTF_8)))
            .auditSink(audit)
            .build();
    room.register(
        Dataset.builder("publisher", "impressions")
            .source(impressions)
            .userId("user_id")
            .dimensions("campaign", "country")
            .policy(
                Policy.builder()
                    .allowAnalysts(ANALYST)
                    .allowJoinOn("user_id")
                    .minDistinctUsers(2)
                    .requireApprovedTemplates()
                    .build())
            .build());
    room.register(
        Dataset.builder("advertiser", "conversions")
            .source(conversions)
            .userId("user_id")
            .dimension("product")
            .policy(
                Policy.builder()
                    .allowAnalysts(ANALYST)
                    .allowJoinOn("user_id")
                    .minDistinctUsers(4)
                    .build())
            .build());
  }

  /** Converters of one campaign in one country, by product. */
  private QueryTemplate reach(long maxCampaign) {
    QuerySpec query =
        room.as(ANALYST)
            .from(IMPRESSIONS)
            .join(CONVERSIONS)
            .onUserId()
            .where(col("campaign").eq(param("campaign")).and(col("country").eq(param("country"))))
            .groupBy("product")
            .select(countDistinctUsers())
            .spec();
    return QueryTemplate.of(
        "reach",
        query,
        Param.longParam("campaign", 0, maxCampaign),
        Param.textParam("country", Set.of("DE", "FR")));
  }

  private QueryTemplate registerAndApproveAll(QueryTemplate t) {
    room.registerTemplate(t);
    room.approveTemplate("publisher", t.id(), t.contentHash());
    room.approveTemplate("advertiser", t.id(), t.contentHash());
    return t;
  }

  private TemplateStage reachRun(long campaign, String country) {
    return room.as(ANALYST).template("reach").with("campaign", campaign).with("country", country);
  }

  private int scans() {
    return impressions.scans() + conversions.scans();
  }

  private PolicyViolationException assertRefusedByTemplateRule(
      TemplateStage run, String dataset, String owner) {
    int events = audit.events().size();
    PolicyViolationException e = assertThrows(PolicyViolationException.class, run::run);
    assertEquals(PolicyRule.TEMPLATE_APPROVED, e.rule(), e.getMessage());
    assertEquals(dataset, e.dataset());
    assertEquals(owner, e.owner());
    assertEquals(0, scans(), "a refused template scanned a source");
    assertEquals(events + 1, audit.events().size());
    assertEquals(AuditEvent.Outcome.REFUSED, audit.last().outcome());
    assertEquals(Optional.of(PolicyRule.TEMPLATE_APPROVED), audit.last().rule());
    Explanation x = run.explain();
    assertFalse(x.allowed());
    assertTrue(
        x.failures().stream()
            .anyMatch(c -> c.rule() == PolicyRule.TEMPLATE_APPROVED && c.owner().equals(owner)),
        x.toString());
    return e;
  }

  @Test
  void approvedTemplate_runs_withTheBoundValues_underTheThreshold() {
    registerAndApproveAll(reach(2));
    // campaign 0, DE, converted: even people below 20 with person % 3 == 0: 0, 6, 12, 18 (shoes)
    Result r = reachRun(0, "DE").run();
    assertEquals(1, r.size(), r.toTable());
    assertEquals("shoes", r.rows().get(0).get("product"));
    assertEquals(4L, r.rows().get(0).get("distinct_users"));
    // campaign 1, FR: odd people below 20 with person % 3 == 1: 1, 7, 13, 19 (hats)
    Result fr = reachRun(1, "FR").run();
    assertEquals("hats", fr.rows().get(0).get("product"));
    assertEquals(4L, fr.rows().get(0).get("distinct_users"));
    // campaign 1, DE: 4, 10, 16 -- three people, below k=4 of the conversions: suppressed
    assertEquals(0, reachRun(1, "DE").run().size());
    assertEquals(AuditEvent.Outcome.ACCEPTED, audit.last().outcome());
    assertEquals(ANALYST, audit.last().analyst());
  }

  @Test
  void explainOfApprovedTemplate_showsEveryOwnersApproval() {
    registerAndApproveAll(reach(2));
    Explanation x = reachRun(1, "DE").explain();
    assertTrue(x.allowed(), x.toString());
    assertEquals(
        2, x.checks().stream().filter(c -> c.rule() == PolicyRule.TEMPLATE_APPROVED).count());
    assertEquals(0, scans());
  }

  @Test
  void unapprovedTemplate_cannotRun() {
    room.registerTemplate(reach(2));
    assertRefusedByTemplateRule(reachRun(1, "DE"), IMPRESSIONS, "publisher");
  }

  @Test
  void partiallyApprovedTemplate_cannotRun_andNamesTheMissingOwner() {
    QueryTemplate t = reach(2);
    room.registerTemplate(t);
    room.approveTemplate("publisher", t.id(), t.contentHash());
    PolicyViolationException e =
        assertRefusedByTemplateRule(reachRun(1, "DE"), CONVERSIONS, "advertiser");
    assertTrue(e.getMessage().contains("not approved by owner advertiser"), e.getMessage());
  }

  @Test
  void templateChangedAfterApproval_cannotRun_untilApprovedAgain() {
    QueryTemplate approved = registerAndApproveAll(reach(2));
    assertEquals(1, reachRun(0, "DE").run().size());
    int before = scans();

    QueryTemplate changed = reach(3); // a wider parameter bound: other content, other hash
    assertNotEquals(approved.contentHash(), changed.contentHash());
    room.registerTemplate(changed);
    PolicyViolationException e =
        assertThrows(PolicyViolationException.class, reachRun(1, "DE")::run);
    assertEquals(PolicyRule.TEMPLATE_APPROVED, e.rule());
    assertEquals(before, scans());

    // an approval of the reviewed (old) content does not carry over to the new one
    assertThrows(
        IllegalStateException.class,
        () -> room.approveTemplate("publisher", "reach", approved.contentHash()));
    room.approveTemplate("publisher", "reach", changed.contentHash());
    assertThrows(PolicyViolationException.class, reachRun(1, "DE")::run);
    room.approveTemplate("advertiser", "reach", changed.contentHash());
    assertEquals(1, reachRun(0, "DE").run().size());
    assertEquals(0, reachRun(3, "DE").run().size(), "campaign 3 is now in bounds, with no data");
    assertEquals(Optional.of(changed), room.template("reach"));
  }

  @Test
  void identicalReRegistration_keepsApprovals() {
    registerAndApproveAll(reach(2));
    room.registerTemplate(reach(2));
    assertEquals(1, reachRun(0, "DE").run().size());
  }

  @Test
  void templateOfAnotherAuthor_cannotReplace() {
    room.registerTemplate(reach(2));
    QuerySpec byPublisher =
        room.as("publisher").from(CONVERSIONS).select(countDistinctUsers()).spec();
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> room.registerTemplate(QueryTemplate.of("reach", byPublisher)));
    assertTrue(e.getMessage().contains("[reach]"), e.getMessage());
    assertEquals(ANALYST, room.template("reach").orElseThrow().author());
  }

  @Test
  void approvalByAPartyThatOwnsNoTouchedDataset_isRejected() {
    QueryTemplate t = reach(2);
    room.registerTemplate(t);
    assertThrows(
        IllegalArgumentException.class,
        () -> room.approveTemplate("stranger", t.id(), t.contentHash()));
    assertThrows(
        IllegalArgumentException.class,
        () -> room.approveTemplate("publisher", "unknown", t.contentHash()));
    assertEquals(Optional.empty(), room.template("unknown"));
  }

  @Test
  void unknownTemplate_isAnInvalidQuery() {
    InvalidQueryException e =
        assertThrows(
            InvalidQueryException.class,
            () -> room.as(ANALYST).template("nope").with("campaign", 1).run());
    assertTrue(e.getMessage().contains("[nope]"), e.getMessage());
    assertEquals(AuditEvent.Outcome.INVALID, audit.last().outcome());
  }

  private InvalidQueryException assertInvalidParameter(TemplateStage run, String parameter) {
    int events = audit.events().size();
    InvalidQueryException e = assertThrows(InvalidQueryException.class, run::run);
    assertTrue(e.getMessage().contains("[" + parameter + "]"), e.getMessage());
    assertEquals(0, scans());
    assertEquals(events + 1, audit.events().size());
    assertEquals(AuditEvent.Outcome.INVALID, audit.last().outcome());
    assertEquals(e.getMessage(), audit.last().reason());
    assertThrows(InvalidQueryException.class, run::explain);
    return e;
  }

  @Test
  void parameterOutOfBounds_isRejected_withoutEchoingTheValue() {
    registerAndApproveAll(reach(2));
    InvalidQueryException e = assertInvalidParameter(reachRun(987_654, "DE"), "campaign");
    assertFalse(e.getMessage().contains("987654"), e.getMessage());
    assertTrue(e.getMessage().contains("[0, 2]"), e.getMessage());
    assertInvalidParameter(reachRun(-1, "DE"), "campaign");
    assertInvalidParameter(reachRun(3, "DE"), "campaign");
  }

  @Test
  void textParameterOutsideItsSet_isRejected_withoutEchoingTheValue() {
    registerAndApproveAll(reach(2));
    InvalidQueryException e = assertInvalidParameter(reachRun(1, "secret-value"), "country");
    assertFalse(e.getMessage().contains("secret-value"), e.getMessage());
    assertInvalidParameter(reachRun(1, "de"), "country");
  }

  @Test
  void parameterOfTheWrongType_isRejected() {
    registerAndApproveAll(reach(2));
    assertInvalidParameter(
        room.as(ANALYST).template("reach").with("campaign", "1").with("country", "DE"), "campaign");
    assertInvalidParameter(
        room.as(ANALYST).template("reach").with("campaign", 1).with("country", 7), "country");
  }

  @Test
  void missingOrUndeclaredParameter_isRejected() {
    registerAndApproveAll(reach(2));
    assertInvalidParameter(room.as(ANALYST).template("reach").with("campaign", 1), "country");
    assertInvalidParameter(reachRun(1, "DE").with("limit", 5), "limit");
  }

  @Test
  void requireApprovedTemplates_refusesAdHocQueries() {
    int events = audit.events().size();
    PolicyViolationException e =
        assertThrows(
            PolicyViolationException.class,
            () ->
                room.as(ANALYST)
                    .from(IMPRESSIONS)
                    .where(col("campaign").eq(1L))
                    .groupBy("country")
                    .select(countDistinctUsers())
                    .run());
    assertEquals(PolicyRule.TEMPLATE_APPROVED, e.rule());
    assertEquals(IMPRESSIONS, e.dataset());
    assertEquals("publisher", e.owner());
    assertEquals(0, scans());
    assertEquals(events + 1, audit.events().size());
    assertEquals(AuditEvent.Outcome.REFUSED, audit.last().outcome());
  }

  @Test
  void datasetWithoutTheRequirement_acceptsAdHocQueries_andAddsNoTemplateCheck() {
    Explanation x = room.as(ANALYST).from(CONVERSIONS).select(countDistinctUsers()).explain();
    assertTrue(x.allowed(), x.toString());
    assertTrue(x.checks().stream().noneMatch(c -> c.rule() == PolicyRule.TEMPLATE_APPROVED));
    assertEquals(1, room.as(ANALYST).from(CONVERSIONS).select(countDistinctUsers()).run().size());
  }

  @Test
  void adHocQueryWithAParameter_isAnInvalidQuery() {
    InvalidQueryException e =
        assertThrows(
            InvalidQueryException.class,
            () ->
                room.as(ANALYST)
                    .from(CONVERSIONS)
                    .where(col("product").eq(param("product")))
                    .select(countDistinctUsers())
                    .run());
    assertTrue(e.getMessage().contains("[product]"), e.getMessage());
    assertEquals(0, scans());
  }

  @Test
  void approvedTemplate_stillPassesEveryOtherPolicyCheck() {
    registerAndApproveAll(reach(2));
    // the analyst "publisher" may not query either dataset, template or not
    PolicyViolationException e =
        assertThrows(
            PolicyViolationException.class,
            () ->
                room.as("publisher")
                    .template("reach")
                    .with("campaign", 1)
                    .with("country", "DE")
                    .run());
    assertEquals(PolicyRule.ANALYST_ALLOWED, e.rule());
    assertEquals(0, scans());
  }

  @Test
  void differentiallyPrivateTemplate_chargesTheBudgetLikeAnyQuery() {
    QuerySpec dp =
        room.as(ANALYST)
            .from(IMPRESSIONS)
            .where(col("campaign").eq(param("campaign")))
            .groupBy("country")
            .select(countDistinctUsers())
            .epsilon(1.0)
            .publicGroupValues("DE", "FR")
            .spec();
    QueryTemplate t = QueryTemplate.of("dp", dp, Param.longParam("campaign", 0, 2));
    room.registerTemplate(t);
    room.approveTemplate("publisher", t.id(), t.contentHash());
    Result r = room.as(ANALYST).template("dp").with("campaign", 1).run();
    assertTrue(r.privacy().differentiallyPrivate(), r.toString());
    assertEquals(2, r.size());
  }
}
