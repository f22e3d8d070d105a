package dev.cleanroom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.testing.NullPointerTester;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Policy.Builder#maxQueries, QueryLimit and QueryFailedException. */
class QueryLimitApiTest {
  private static Policy.Builder valid() {
    return Policy.builder().allowAnalysts("a").minDistinctUsers(2);
  }

  @Test
  void maxQueries_isKeptWithItsPeriod() {
    Policy p = valid().maxQueries(10, BudgetPeriod.WEEKLY).build();
    assertEquals(Optional.of(new QueryLimit(10, BudgetPeriod.WEEKLY)), p.queryLimit());
    assertTrue(p.toString().contains("queryLimit=QueryLimit[queries=10"), p.toString());
  }

  @Test
  void maxQueries_isOptional_andWorksWithoutDifferentialPrivacy() {
    assertEquals(Optional.empty(), valid().build().queryLimit());
    assertTrue(valid().maxQueries(1, BudgetPeriod.NONE).build().differentialPrivacy().isEmpty());
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -1, Integer.MIN_VALUE, QueryLimit.MAX_QUERIES + 1})
  void maxQueries_outOfRange_isRejected_naming_theValue(int queries) {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> valid().maxQueries(queries, BudgetPeriod.DAILY));
    assertTrue(e.getMessage().contains("provided value: " + queries), e.getMessage());
  }

  @Test
  void maxQueries_isSetOnce_andRejectsNull() {
    Policy.Builder b = valid().maxQueries(3, BudgetPeriod.MONTHLY);
    assertThrows(IllegalStateException.class, () -> b.maxQueries(4, BudgetPeriod.MONTHLY));
    assertThrows(NullPointerException.class, () -> valid().maxQueries(3, null));
  }

  @Test
  void queryFailed_message_isOnlyTheIncident() {
    QueryFailedException e = new QueryFailedException("abc-123");
    assertEquals("query failed; incident abc-123", e.getMessage());
    assertEquals("abc-123", e.incidentId());
    assertTrue(e instanceof CleanRoomException);
    assertThrows(IllegalArgumentException.class, () -> new QueryFailedException(" "));
  }

  @Test
  void newTypes_rejectNull() {
    NullPointerTester tester = new NullPointerTester();
    tester.testAllPublicConstructors(QueryFailedException.class);
    tester.testAllPublicConstructors(QueryLimit.class);
  }
}
