package dev.cleanroom.internal.release;

import static dev.cleanroom.internal.release.DpTesting.ANALYST;
import static dev.cleanroom.internal.release.DpTesting.DOWN;
import static dev.cleanroom.internal.release.DpTesting.NOW;
import static dev.cleanroom.internal.release.DpTesting.SPEND_UPPER;
import static dev.cleanroom.internal.release.DpTesting.assertAmount;
import static dev.cleanroom.internal.release.DpTesting.dataset;
import static dev.cleanroom.internal.release.DpTesting.dpPolicy;
import static dev.cleanroom.internal.release.DpTesting.ledger;
import static dev.cleanroom.internal.release.DpTesting.memory;
import static dev.cleanroom.internal.release.DpTesting.people;
import static dev.cleanroom.internal.release.DpTesting.sizes;
import static dev.cleanroom.query.Dsl.col;
import static dev.cleanroom.query.Dsl.count;
import static dev.cleanroom.query.Dsl.sum;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.BudgetPeriod;
import dev.cleanroom.CleanRoom;
import dev.cleanroom.PolicyRule;
import dev.cleanroom.PrivacyBudget;
import dev.cleanroom.dp.LaplaceMechanism;
import dev.cleanroom.dp.PartitionSelection;
import dev.cleanroom.dp.Sensitivity;
import dev.cleanroom.internal.release.DpTesting.RecordingAudit;
import dev.cleanroom.internal.release.DpTesting.TestSource;
import dev.cleanroom.query.CellNoise;
import dev.cleanroom.query.Explanation;
import dev.cleanroom.query.FinalStage;
import dev.cleanroom.query.LedgerStatus;
import dev.cleanroom.query.PolicyCheck;
import dev.cleanroom.query.Result;
import dev.cleanroom.query.ResultRow;
import dev.cleanroom.spi.BudgetStore;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * {@code explain()} of differentially private queries: the ledgers with what they would be charged
 * and have left, one accuracy line per noisy part with the expected 95% half-width, and a plan step
 * for the charge; explaining charges nothing and scans nothing.
 */
class DpExplainTest {
  private static final String A = "alpha.a";
  private static final String B = "beta.b";
  private static final String LEDGER_A = ledger(A, "lifetime");
  private static final String LEDGER_B = ledger(B, "lifetime");

  private final BudgetStore store = memory();
  private final RecordingAudit audit = new RecordingAudit();
  private final CleanRoom room = DpTesting.room(store, Clock.fixed(NOW, ZoneOffset.UTC), audit);
  private final TestSource a = TestSource.versioned(people("a", "u", sizes("DE", 30, "FR", 20)));
  private final TestSource b = TestSource.versioned(people("b", "u", sizes("DE", 30, "FR", 20)));

  DpExplainTest() {
    room.register(dataset("alpha", "a", a, dpPolicy(1.0, 0.5)));
    room.register(
        dataset(
            "beta",
            "b",
            b,
            dpPolicy(PrivacyBudget.epsilonDelta(2.0, 1e-5), 1.0, BudgetPeriod.NONE)));
  }

  private FinalStage publicQuery(long literal, double epsilon) {
    return room.as(ANALYST)
        .from(A)
        .where(col("day").ne(literal))
        .groupBy("country")
        .select(count(), sum("spend"))
        .epsilon(epsilon)
        .publicGroupValues("DE", "FR");
  }

  @Test
  void explain_listsTheLedger_withTheChargeAndWhatWouldBeLeft_andChargesNothing() {
    publicQuery(0, 0.25).run();
    int scans = a.scans();
    int events = audit.events().size();

    Explanation x = publicQuery(1, 0.5).explain();

    assertTrue(x.allowed());
    assertEquals(1, x.ledgers().size());
    LedgerStatus l = x.ledgers().get(0);
    assertEquals(LEDGER_A, l.ledger());
    assertEquals(A, l.dataset());
    assertAmount("0.5", l.epsilonCharged());
    assertAmount("0", l.deltaCharged());
    assertAmount("0.25", l.epsilonRemaining());
    assertAmount("0", l.deltaRemaining());
    assertTrue(x.toString().contains("Budget ledgers:"), x::toString);
    assertTrue(x.toString().contains(l.toString()), x::toString);

    assertAmount("0.25", store.spent(LEDGER_A).epsilon());
    assertEquals(scans, a.scans(), "explain must not scan");
    assertEquals(events, audit.events().size(), "explain runs nothing to audit");

    // explaining again is the same: nothing was charged in between
    assertEquals(x.ledgers(), publicQuery(1, 0.5).explain().ledgers());
  }

  @Test
  void explain_accuracyLines_giveTheExpectedHalfWidths_thatTheRunThenHas() {
    Explanation x = publicQuery(0, 0.5).explain();

    BigDecimal share = new BigDecimal("0.5").divide(BigDecimal.valueOf(2), DOWN);
    LaplaceMechanism countNoise = LaplaceMechanism.forIntegers(share, Sensitivity.of(1, 1));
    LaplaceMechanism sumNoise = LaplaceMechanism.forReals(share, Sensitivity.of(1, SPEND_UPPER));
    assertEquals(
        List.of(
            "count: ε=0.25",
            "sum_spend: ε=0.25",
            accuracyLine("count", countNoise),
            accuracyLine("sum_spend", sumNoise)),
        x.accuracy());
    assertTrue(x.toString().contains("Differential privacy:"), x::toString);
    assertEquals(0, a.scans());
    assertAmount("0", store.spent(LEDGER_A).epsilon());

    // the run's intervals have the half-widths the explanation promised
    Result r = publicQuery(0, 0.5).run();
    for (ResultRow row : r.rows()) {
      assertHalfWidth(countNoise.halfWidth(CellNoise.CONFIDENCE), row.noise("count").get());
      assertHalfWidth(sumNoise.halfWidth(CellNoise.CONFIDENCE), row.noise("sum_spend").get());
    }
  }

  @Test
  void explain_privateSelection_showsTheSelectionShareAndThreshold() {
    Explanation x =
        room.as(ANALYST)
            .from(B)
            .groupBy("country")
            .select(count())
            .budget(PrivacyBudget.epsilonDelta(1.0, 1e-6))
            .explain();

    PartitionSelection ps =
        PartitionSelection.of(new BigDecimal("0.5"), BigDecimal.valueOf(1e-6), 1);
    LaplaceMechanism countNoise =
        LaplaceMechanism.forIntegers(new BigDecimal("0.5"), Sensitivity.of(1, 1));
    assertEquals(
        List.of(
            "group selection: ε=0.5, δ=0.000001",
            "count: ε=0.5",
            String.format(
                Locale.ROOT,
                "group selection: noisy distinct users (discrete Laplace, scale %.3g) must reach %d"
                    + " and k",
                ps.scale(),
                ps.threshold()),
            accuracyLine("count", countNoise)),
        x.accuracy());
    assertEquals(1, x.ledgers().size());
    assertAmount("1.0", x.ledgers().get(0).epsilonCharged());
    assertAmount("0.000001", x.ledgers().get(0).deltaCharged());
    assertAmount("1.0", x.ledgers().get(0).epsilonRemaining());
    assertAmount("0.000009", x.ledgers().get(0).deltaRemaining());
    assertTrue(
        x.plan().stream().anyMatch(s -> s.contains("selection threshold")), x.plan()::toString);
    assertEquals(0, b.scans());
  }

  @Test
  void explain_planMentionsTheCharge_beforeAnyScan() {
    Explanation x = publicQuery(0, 0.5).explain();

    List<String> charge = x.plan().stream().filter(s -> s.startsWith("charge ")).toList();
    assertEquals(1, charge.size(), x.plan()::toString);
    assertTrue(charge.get(0).contains("ε=0.5"), charge::toString);
    assertTrue(charge.get(0).contains("before any source is scanned"), charge::toString);
    assertTrue(
        x.plan().stream().anyMatch(s -> s.contains("release exactly the 2 public group(s)")),
        x.plan()::toString);
    // The choice of a person's groups, as every path makes it: keyed, not random per run.
    assertTrue(
        x.plan().stream()
            .anyMatch(
                s ->
                    s.contains(
                        "a person with more keeps those of smallest keyed hash of (the person's"
                            + " normalized id in the first dataset, group) under the query's"
                            + " secret salt")),
        x.plan()::toString);
    assertEquals(0, a.scans());
  }

  @Test
  void explain_ofAJoin_listsEveryDpLedger_inQueryOrder() {
    room.as(ANALYST)
        .from(B)
        .groupBy("country")
        .select(count())
        .epsilon(0.3)
        .publicGroupValues("DE")
        .run();

    Explanation x =
        room.as(ANALYST)
            .from(A)
            .join(B)
            .onUserId()
            .groupBy("a.country")
            .select(count())
            .epsilon(0.4)
            .publicGroupValues("DE")
            .explain();

    assertEquals(
        List.of(LEDGER_A, LEDGER_B), x.ledgers().stream().map(LedgerStatus::ledger).toList());
    assertAmount("0.4", x.ledgers().get(0).epsilonCharged());
    assertAmount("0.6", x.ledgers().get(0).epsilonRemaining());
    assertAmount("0.4", x.ledgers().get(1).epsilonCharged());
    assertAmount("1.3", x.ledgers().get(1).epsilonRemaining());
    assertAmount("0.00001", x.ledgers().get(1).deltaRemaining());
    assertAmount("0", store.spent(LEDGER_A).epsilon());
    assertAmount("0.3", store.spent(LEDGER_B).epsilon());
    assertEquals(0, a.scans());
    assertEquals(1, b.scans());
  }

  @Test
  void explain_ofARefusedQuery_showsTheFailure_andNoLedger() {
    Explanation threshold = room.as(ANALYST).from(A).groupBy("country").select(count()).explain();
    Explanation overCap = publicQuery(0, 0.75).explain();

    assertFalse(threshold.allowed());
    assertEquals(
        List.of(PolicyRule.DIFFERENTIAL_PRIVACY_REQUIRED),
        threshold.failures().stream().map(PolicyCheck::rule).toList());
    assertEquals(List.of(), threshold.ledgers());
    assertEquals(List.of(), threshold.accuracy());
    assertFalse(overCap.allowed());
    assertEquals(
        List.of(PolicyRule.EPSILON_PER_QUERY),
        overCap.failures().stream().map(PolicyCheck::rule).toList());
    assertEquals(List.of(), overCap.ledgers());
    assertTrue(overCap.toString().contains("Outcome: would be refused"), overCap::toString);
    assertEquals(0, a.scans());
    assertAmount("0", store.spent(LEDGER_A).epsilon());
  }

  private static String accuracyLine(String alias, LaplaceMechanism m) {
    return String.format(
        Locale.ROOT,
        "%s: %s noise, scale %.4g, expected 95%% interval ±%.4g",
        alias,
        m.name(),
        m.scale(),
        m.halfWidth(CellNoise.CONFIDENCE));
  }

  private static void assertHalfWidth(double expected, CellNoise cell) {
    double half = (cell.upper() - cell.lower()) / 2;
    assertEquals(expected, half, 1e-9 * Math.max(1, expected), cell::toString);
  }
}
