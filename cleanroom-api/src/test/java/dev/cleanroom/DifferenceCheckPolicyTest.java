package dev.cleanroom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DifferenceCheckPolicyTest {
  private static Policy.Builder valid() {
    return Policy.builder().allowAnalysts("advertiser").minDistinctUsers(50);
  }

  @Test
  void differenceChecks_areOnByDefault_forThirtyDays() {
    Policy p = valid().build();
    assertEquals(Optional.of(Duration.ofDays(30)), p.differenceCheckRetention());
    assertEquals(Duration.ofDays(30), Policy.DEFAULT_DIFFERENCE_CHECK_RETENTION);
    assertTrue(p.toString().contains("differenceChecks=retained PT720H"), p.toString());
  }

  @Test
  void differenceCheckRetention_isKept() {
    Policy p = valid().differenceCheckRetention(Duration.ofHours(6)).build();
    assertEquals(Optional.of(Duration.ofHours(6)), p.differenceCheckRetention());
  }

  @Test
  void withoutDifferenceChecks_turnsThemOff() {
    Policy p = valid().withoutDifferenceChecks().build();
    assertFalse(p.differenceCheckRetention().isPresent());
    assertTrue(p.toString().contains("differenceChecks=off"), p.toString());
  }

  @Test
  void differenceCheckRetention_zeroOrNegative_isRejected() {
    for (Duration d :
        new Duration[] {Duration.ZERO, Duration.ofSeconds(-1), Duration.ofDays(-30)}) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> valid().differenceCheckRetention(d));
      assertTrue(e.getMessage().contains("retention"), e.getMessage());
      assertTrue(e.getMessage().contains("provided value: " + d), e.getMessage());
    }
  }

  @Test
  void differenceCheckRetention_null_isRejected() {
    NullPointerException e =
        assertThrows(NullPointerException.class, () -> valid().differenceCheckRetention(null));
    assertEquals("retention", e.getMessage());
  }

  @Test
  void differenceCheckRetention_twice_isRejected() {
    Policy.Builder b = valid().differenceCheckRetention(Duration.ofDays(1));
    assertThrows(IllegalStateException.class, () -> b.differenceCheckRetention(Duration.ofDays(2)));
    assertEquals(Optional.of(Duration.ofDays(1)), b.build().differenceCheckRetention());
  }

  @Test
  void withoutDifferenceChecks_twice_isRejected() {
    Policy.Builder b = valid().withoutDifferenceChecks();
    assertThrows(IllegalStateException.class, b::withoutDifferenceChecks);
  }

  @Test
  void conflictingDifferenceCheckSettings_areRejected_inEitherOrder() {
    IllegalStateException first =
        assertThrows(
            IllegalStateException.class,
            () -> valid().withoutDifferenceChecks().differenceCheckRetention(Duration.ofDays(1)));
    assertTrue(first.getMessage().contains("conflicts"), first.getMessage());
    IllegalStateException second =
        assertThrows(
            IllegalStateException.class,
            () -> valid().differenceCheckRetention(Duration.ofDays(1)).withoutDifferenceChecks());
    assertTrue(second.getMessage().contains("conflicts"), second.getMessage());
  }

  @Test
  void rejectedRetention_doesNotCountAsSet() {
    Policy.Builder b = valid();
    assertThrows(IllegalArgumentException.class, () -> b.differenceCheckRetention(Duration.ZERO));
    Policy p = b.differenceCheckRetention(Duration.ofDays(7)).build();
    assertEquals(Optional.of(Duration.ofDays(7)), p.differenceCheckRetention());
  }
}
