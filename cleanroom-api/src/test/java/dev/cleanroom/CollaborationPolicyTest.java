package dev.cleanroom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The policy settings for result receivers and cohort release. */
class CollaborationPolicyTest {
  private static Policy.Builder valid() {
    return Policy.builder().allowAnalysts("advertiser", "agency").minDistinctUsers(50);
  }

  @Test
  void receivers_defaultToTheAnalysts() {
    assertEquals(Set.of("advertiser", "agency"), valid().build().receivers());
  }

  @Test
  void allowReceivers_replacesTheDefault() {
    Policy p = valid().allowReceivers("publisher").build();
    assertEquals(Set.of("publisher"), p.receivers());
    assertEquals(Set.of("advertiser", "agency"), p.analysts());
    assertTrue(p.toString().contains("receivers=[publisher]"), p.toString());
  }

  @Test
  void allowReceivers_isSetOnce_andNeedsAValidParty() {
    assertThrows(IllegalArgumentException.class, () -> valid().allowReceivers());
    assertThrows(IllegalArgumentException.class, () -> valid().allowReceivers("not a name"));
    assertThrows(NullPointerException.class, () -> valid().allowReceivers((String) null));
    Policy.Builder b = valid().allowReceivers("a");
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> b.allowReceivers("b"));
    assertTrue(e.getMessage().contains("allowReceivers"), e.getMessage());
  }

  @Test
  void rejectedReceiverCall_doesNotCount() {
    Policy.Builder b = valid();
    assertThrows(IllegalArgumentException.class, () -> b.allowReceivers("not a name"));
    assertEquals(Set.of("a"), b.allowReceivers("a").build().receivers());
  }

  @Test
  void cohortRelease_isOffByDefault_withMinimumSize100() {
    Policy p = valid().build();
    assertEquals(Set.of(), p.cohortReceivers());
    assertEquals(100, p.minCohortSize());
    assertEquals(Policy.DEFAULT_MIN_COHORT_SIZE, p.minCohortSize());
  }

  @Test
  void allowCohortRelease_andMinCohortSize_areKept() {
    Policy p = valid().allowCohortRelease("publisher", "agency").minCohortSize(2).build();
    assertEquals(Set.of("publisher", "agency"), p.cohortReceivers());
    assertEquals(2, p.minCohortSize());
    assertTrue(p.toString().contains("minCohortSize=2"), p.toString());
  }

  @Test
  void allowCohortRelease_isSetOnce_andNeedsAValidParty() {
    assertThrows(IllegalArgumentException.class, () -> valid().allowCohortRelease());
    assertThrows(IllegalArgumentException.class, () -> valid().allowCohortRelease("a-b"));
    Policy.Builder b = valid().allowCohortRelease("a");
    assertThrows(IllegalStateException.class, () -> b.allowCohortRelease("b"));
  }

  @ParameterizedTest
  @ValueSource(ints = {Integer.MIN_VALUE, -1, 0, 1})
  void minCohortSize_belowTwo_isRejectedByBuild(int size) {
    Policy.Builder b = valid().minCohortSize(size);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, b::build);
    assertTrue(e.getMessage().contains("minCohortSize"), e.getMessage());
    assertTrue(e.getMessage().contains("provided value: " + size), e.getMessage());
  }

  @Test
  void minCohortSize_isSetOnce() {
    Policy.Builder b = valid().minCohortSize(10);
    assertThrows(IllegalStateException.class, () -> b.minCohortSize(20));
    assertEquals(
        Integer.MAX_VALUE, valid().minCohortSize(Integer.MAX_VALUE).build().minCohortSize());
  }
}
