package dev.cleanroom.query;

import static dev.cleanroom.query.Dsl.col;
import static dev.cleanroom.query.Dsl.count;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.common.testing.NullPointerTester;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The cohort stage, the submit step and their value types. */
class CollaborationApiTest {
  private final CapturingEngine engine = new CapturingEngine();

  @Test
  void cohortStage_describesTheRowStageAndReceiver() {
    CohortSpec spec =
        QueryStart.of(engine, "advertiser")
            .from("publisher.impressions")
            .join("advertiser.conversions")
            .onUserId()
            .where(col("campaign").eq(7L))
            .cohort()
            .spec("publisher");
    assertEquals("advertiser", spec.analyst());
    assertEquals(List.of("publisher.impressions", "advertiser.conversions"), spec.datasets());
    assertEquals(List.of(col("campaign").eq(7L)), spec.where());
    assertEquals("publisher", spec.receiver());
  }

  @Test
  void cohortSpec_rejectsMalformedInput() {
    assertThrows(
        IllegalArgumentException.class,
        () -> new CohortSpec("a", List.of(), List.of(), "publisher"));
    assertThrows(
        IllegalArgumentException.class,
        () -> new CohortSpec("a", List.of("p.x", "p.x"), List.of(), "publisher"));
    assertThrows(
        IllegalArgumentException.class,
        () -> new CohortSpec("a", List.of("p.x"), List.of(), "not a party"));
  }

  @Test
  void engineWithoutCohortsOrReceivers_saysSo() {
    RowStage rows = QueryStart.of(engine, "a").from("p.x");
    assertThrows(UnsupportedOperationException.class, () -> rows.cohort().activateFor("p"));
    assertThrows(UnsupportedOperationException.class, () -> rows.select(count()).submit("p"));
  }

  @Test
  void queryId_mustNotBeEmpty() {
    assertThrows(IllegalArgumentException.class, () -> new QueryId(""));
    assertEquals("q-1", new QueryId("q-1").value());
  }

  @Test
  void everyNewPublicMethod_rejectsNull() {
    NullPointerTester tester = new NullPointerTester().setDefault(String.class, "valid_name");
    tester.testAllPublicConstructors(CohortSpec.class);
    tester.testAllPublicConstructors(Activation.class);
    tester.testAllPublicConstructors(QueryId.class);
    RowStage rows = QueryStart.of(engine, "a").from("p.x");
    tester.testAllPublicInstanceMethods(rows.cohort());
    tester.testAllPublicInstanceMethods(rows.select(count()));
  }
}
