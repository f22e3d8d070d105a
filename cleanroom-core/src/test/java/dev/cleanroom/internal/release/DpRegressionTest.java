package dev.cleanroom.internal.release;

import static dev.cleanroom.internal.release.DpTesting.ANALYST;
import static dev.cleanroom.internal.release.DpTesting.assertAmount;
import static dev.cleanroom.internal.release.DpTesting.dataset;
import static dev.cleanroom.internal.release.DpTesting.dpPolicy;
import static dev.cleanroom.internal.release.DpTesting.ledger;
import static dev.cleanroom.internal.release.DpTesting.memory;
import static dev.cleanroom.internal.release.DpTesting.people;
import static dev.cleanroom.internal.release.DpTesting.sizes;
import static dev.cleanroom.query.Dsl.count;
import static dev.cleanroom.query.Dsl.sum;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.BudgetPeriod;
import dev.cleanroom.CleanRoom;
import dev.cleanroom.Policy;
import dev.cleanroom.PolicyRule;
import dev.cleanroom.PrivacyBudget;
import dev.cleanroom.internal.release.DpTesting.TestSource;
import dev.cleanroom.query.Explanation;
import dev.cleanroom.query.FinalStage;
import dev.cleanroom.query.NoiseKind;
import dev.cleanroom.query.Result;
import dev.cleanroom.query.ResultRow;
import dev.cleanroom.spi.BudgetStore;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Regression tests for differential-privacy bugs found in review. */
class DpRegressionTest {
  private static final String LEDGER = ledger("pub.visits", "lifetime");

  private final BudgetStore store = memory();
  private final CleanRoom room = DpTesting.room(store);
  private final TestSource source =
      TestSource.versioned(people("visits", "u", sizes("DE", 40, "FR", 30)));

  DpRegressionTest() {
    room.register(
        dataset(
            "pub",
            "visits",
            source,
            dpPolicy(PrivacyBudget.epsilonDelta(1.0, 1e-6), 1.0, BudgetPeriod.NONE)));
  }

  private FinalStage query() {
    return room.as(ANALYST).from("pub.visits").groupBy("country").select(count(), sum("spend"));
  }

  @Test
  void ungroupedDpQuery_releasesOneNoisyTotalRow() {
    Result r = room.as(ANALYST).from("pub.visits").select(count(), sum("spend")).epsilon(0.5).run();
    assertEquals(1, r.size());
    assertTrue(r.rows().get(0).noise("count").isPresent());
    assertAmount("0.5", store.spent(LEDGER).epsilon());
  }

  @Test
  void sameQuery_withAnotherEpsilon_isChargedAgain() {
    query().epsilon(0.5).publicGroupValues("DE", "FR").run();
    Result second = query().epsilon(0.25).publicGroupValues("DE", "FR").run();
    assertFalse(second.privacy().repeated());
    assertAmount("0.25", second.privacy().epsilon());
    assertAmount("0.75", store.spent(LEDGER).epsilon());
    assertEquals(2, source.scans());
  }

  @Test
  void sameQuery_withOtherPublicGroups_releasesTheNewGroups() {
    query().epsilon(0.5).publicGroupValues("DE", "FR").run();
    Result other = query().epsilon(0.5).publicGroupValues("ES", "IT").run();
    assertEquals(List.of("ES", "IT"), other.rows().stream().map(r -> r.get(0)).toList());
  }

  @Test
  void sameQuery_withGaussianInsteadOfLaplace_isNoisedWithGaussian() {
    query().budget(PrivacyBudget.epsilonDelta(0.5, 1e-7)).publicGroupValues("DE").run();
    Result g =
        query()
            .budget(PrivacyBudget.epsilonDelta(0.5, 1e-7))
            .noise(NoiseKind.GAUSSIAN)
            .publicGroupValues("DE")
            .run();
    for (ResultRow row : g.rows()) {
      assertEquals("discrete Gaussian", row.noise("count").orElseThrow().mechanism());
    }
    assertAmount("1E-7", store.spent(LEDGER).delta());
  }

  @Test
  void repeatedAnswer_reportsTheLedgerAsItIsNow() {
    query().epsilon(0.5).publicGroupValues("DE").run();
    query().epsilon(0.25).publicGroupValues("FR").run();
    Result again = query().epsilon(0.5).publicGroupValues("DE").run();
    assertTrue(again.privacy().repeated());
    assertAmount("0.25", again.privacy().ledgers().get(0).epsilonRemaining());
    assertAmount("0", again.privacy().ledgers().get(0).epsilonCharged());
  }

  @Test
  void explain_ofAnUnaffordableQuery_isNotAllowed() {
    query().epsilon(1.0).publicGroupValues("DE").run();
    Explanation e = query().epsilon(0.5).publicGroupValues("FR").explain();
    assertFalse(e.allowed());
    assertEquals(PolicyRule.BUDGET_REMAINING, e.failures().get(0).rule());
  }

  @Test
  void policyCap_nan_messageNamesTheCap() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Policy.builder().differentialPrivacy(PrivacyBudget.epsilon(1.0), Double.NaN));
    assertTrue(e.getMessage().contains("maxEpsilonPerQuery"), e.getMessage());
  }

  @Test
  void publicGroup_ofAnUnsupportedType_messageNamesPublicGroups() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> query().epsilon(0.5).publicGroupValues('x').run());
    assertTrue(e.getMessage().contains("public group"), e.getMessage());
  }
}
