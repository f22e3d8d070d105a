package dev.cleanroom.internal.release;

import static dev.cleanroom.internal.release.DpTesting.ANALYST;
import static dev.cleanroom.internal.release.DpTesting.NOW;
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
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.BudgetPeriod;
import dev.cleanroom.CleanRoom;
import dev.cleanroom.Dataset;
import dev.cleanroom.InvalidQueryException;
import dev.cleanroom.Policy;
import dev.cleanroom.PrivacyBudget;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.internal.release.DpTesting.RecordingAudit;
import dev.cleanroom.internal.release.DpTesting.TestSource;
import dev.cleanroom.query.FinalStage;
import dev.cleanroom.query.GroupedStage;
import dev.cleanroom.query.NoiseKind;
import dev.cleanroom.query.Privacy;
import dev.cleanroom.spi.AuditEvent;
import dev.cleanroom.spi.BudgetStore;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bad privacy parameters are refused with an exception naming the parameter, before any source is
 * scanned and before anything is charged. Every test checks, after the refusal, that the dataset's
 * source was never scanned and its ledger is untouched ({@link #nothingScannedOrCharged}).
 */
class BadParametersTest {
  private static final String VISITS = "pub.visits";
  private static final String LEDGER = ledger(VISITS, "lifetime");

  private final BudgetStore store = memory();
  private final RecordingAudit audit = new RecordingAudit();
  private final CleanRoom room = DpTesting.room(store, Clock.fixed(NOW, ZoneOffset.UTC), audit);
  private final TestSource source =
      TestSource.versioned(people("visits", "u", sizes("DE", 30, "FR", 30)));

  BadParametersTest() {
    room.register(
        dataset(
            "pub",
            "visits",
            source,
            dpPolicy(PrivacyBudget.epsilonDelta(1.0, 1e-6), 1.0, BudgetPeriod.NONE)));
  }

  @AfterEach
  void nothingScannedOrCharged() {
    assertEquals(0, source.scans(), "no source may be scanned");
    assertAmount("0", store.spent(LEDGER).epsilon());
    assertAmount("0", store.spent(LEDGER).delta());
    assertEquals(0, audit.count(AuditEvent.Outcome.ACCEPTED));
  }

  private GroupedStage byCountry() {
    return room.as(ANALYST).from(VISITS).groupBy("country");
  }

  private static <T extends Throwable> void assertMessageNames(
      Class<T> type, String parameter, Executable call) {
    T e = assertThrows(type, call);
    assertTrue(
        e.getMessage() != null
            && e.getMessage().toLowerCase(Locale.ROOT).contains(parameter.toLowerCase(Locale.ROOT)),
        () -> "message should name [" + parameter + "]: " + e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(
      doubles = {
        0,
        -0.0,
        -1,
        Double.NaN,
        Double.POSITIVE_INFINITY,
        Double.NEGATIVE_INFINITY,
        Double.MIN_VALUE,
        0x1p-51
      })
  void epsilon_outOfRange_isRejected(double epsilon) {
    FinalStage stage = byCountry().select(count());

    assertMessageNames(IllegalArgumentException.class, "epsilon", () -> stage.epsilon(epsilon));
    assertMessageNames(
        IllegalArgumentException.class,
        "epsilon",
        () -> stage.budget(PrivacyBudget.epsilonDelta(epsilon, 1e-9)));
  }

  @Test
  void epsilon_smallestAllowed_isAccepted_byTheBuilder() {
    FinalStage stage = byCountry().select(count()).epsilon(PrivacyBudget.MIN_PARAMETER);
    Privacy.Differential dp = (Privacy.Differential) stage.spec().privacy();
    assertEquals(BigDecimal.valueOf(PrivacyBudget.MIN_PARAMETER), dp.budget().epsilon());
  }

  @ParameterizedTest
  @ValueSource(doubles = {-0.1, 1, 1.5, Double.NaN, Double.POSITIVE_INFINITY})
  void delta_outOfRange_isRejected(double delta) {
    assertMessageNames(
        IllegalArgumentException.class, "delta", () -> PrivacyBudget.epsilonDelta(0.5, delta));
  }

  @Test
  void zcdpQueryBudget_isRejected() {
    FinalStage stage = byCountry().select(count());
    assertMessageNames(
        IllegalArgumentException.class, "budget", () -> stage.budget(PrivacyBudget.zcdp(0.1)));
  }

  @Test
  void gaussianNoise_withoutDelta_isRejected() {
    FinalStage stage =
        byCountry().select(count()).epsilon(0.5).noise(NoiseKind.GAUSSIAN).publicGroupValues("DE");

    assertMessageNames(IllegalArgumentException.class, "δ", stage::run);
    assertMessageNames(IllegalArgumentException.class, "Gaussian", stage::explain);
  }

  @Test
  void noiseOrPublicGroups_withoutABudget_areRejected() {
    assertMessageNames(
        IllegalStateException.class,
        "budget",
        () -> byCountry().select(count()).noise(NoiseKind.GAUSSIAN).run());
    assertMessageNames(
        IllegalStateException.class,
        "budget",
        () -> byCountry().select(count()).publicGroupValues("DE").run());
  }

  @Test
  void privateGroupSelection_withoutDelta_isRejected() {
    assertMessageNames(
        InvalidQueryException.class, "δ", () -> byCountry().select(count()).epsilon(0.5).run());
    assertEquals(AuditEvent.Outcome.INVALID, audit.last().outcome());
  }

  @Test
  void publicGroup_ofTheWrongArity_isRejected() {
    assertMessageNames(
        IllegalArgumentException.class,
        "public group",
        () ->
            byCountry()
                .select(count())
                .epsilon(0.5)
                .publicGroups(List.of(List.of("DE"), List.of("FR", 1L)))
                .run());
    assertMessageNames(
        IllegalArgumentException.class,
        "public group",
        () ->
            room.as(ANALYST)
                .from(VISITS)
                .groupBy("country", "day")
                .select(count())
                .epsilon(0.5)
                .publicGroupValues("DE")
                .run());
    assertMessageNames(
        IllegalArgumentException.class,
        "public group",
        () ->
            room.as(ANALYST)
                .from(VISITS)
                .select(count())
                .epsilon(0.5)
                .publicGroupValues("DE")
                .run());
  }

  @Test
  void publicGroup_ofTheWrongType_isRejected_namingTheColumn() {
    assertMessageNames(
        InvalidQueryException.class,
        "[country]",
        () -> byCountry().select(count()).epsilon(0.5).publicGroupValues("DE", 3L).run());
    assertMessageNames(
        InvalidQueryException.class,
        "[day]",
        () ->
            room.as(ANALYST)
                .from(VISITS)
                .groupBy("country", "day")
                .select(count())
                .epsilon(0.5)
                .publicGroups(List.of(List.of("DE", "monday")))
                .run());
    assertEquals(AuditEvent.Outcome.INVALID, audit.last().outcome());
    assertMessageNames(
        InvalidQueryException.class,
        "public group",
        () -> byCountry().select(count()).epsilon(0.5).publicGroupValues(3L).explain());
  }

  @Test
  void publicGroup_withANonFiniteValue_isRejected() {
    assertMessageNames(
        IllegalArgumentException.class,
        "finite",
        () -> byCountry().select(count()).epsilon(0.5).publicGroupValues(Double.NaN).run());
  }

  @Test
  void metricBounds_reversed_areRejected() {
    assertMessageNames(IllegalArgumentException.class, "lower bound", () -> metric(5, 1));
    assertMessageNames(IllegalArgumentException.class, "upper bound", () -> metric(5, 1));
  }

  @ParameterizedTest
  @ValueSource(doubles = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})
  void metricBounds_nonFinite_areRejected(double bad) {
    assertMessageNames(IllegalArgumentException.class, "lower bound", () -> metric(bad, 1));
    assertMessageNames(IllegalArgumentException.class, "upper bound", () -> metric(0, bad));
  }

  @Test
  void metricBounds_zeroZero_areRejectedForADpSum() {
    TestSource zero = TestSource.versioned(people("zero", "z", sizes("DE", 10)));
    room.register(
        Dataset.builder("pub", "zero")
            .source(zero)
            .userId("user_id", UserIdFormat.RAW)
            .dimensions("country")
            .metric("spend", 0, 0)
            .policy(dpPolicy(PrivacyBudget.epsilonDelta(1.0, 1e-6), 1.0, BudgetPeriod.NONE))
            .build());

    assertMessageNames(
        InvalidQueryException.class,
        "[spend]",
        () ->
            room.as(ANALYST)
                .from("pub.zero")
                .groupBy("country")
                .select(sum("spend"))
                .epsilon(0.5)
                .publicGroupValues("DE")
                .run());
    assertEquals(0, zero.scans());
    assertAmount("0", store.spent(ledger("pub.zero", "lifetime")).epsilon());
  }

  @Test
  void policyCap_aboveTheTotal_orATotalInZcdp_isRejected() {
    assertMessageNames(
        IllegalArgumentException.class,
        "maxEpsilonPerQuery",
        () -> dpPolicy(PrivacyBudget.epsilon(1.0), 1.5, BudgetPeriod.NONE));
    assertMessageNames(
        IllegalArgumentException.class,
        "zCDP",
        () -> dpPolicy(PrivacyBudget.zcdp(1.0), 0.5, BudgetPeriod.NONE));
    assertMessageNames(
        IllegalStateException.class,
        "differentialPrivacy",
        () ->
            Policy.builder()
                .allowAnalysts(ANALYST)
                .minDistinctUsers(2)
                .budgetPeriod(BudgetPeriod.DAILY)
                .build());
  }

  /** Declares a metric with the given bounds on a fresh dataset builder over the test's source. */
  private void metric(double lower, double upper) {
    Dataset.builder("pub", "other")
        .source(source)
        .userId("user_id", UserIdFormat.RAW)
        .metric("spend", lower, upper);
  }
}
