package dev.cleanroom.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.spi.AuditTrail;
import java.util.List;

/** Checks of an example's audit trail and of the summary line it prints about it. */
final class AuditChecks {
  private AuditChecks() {}

  /**
   * Asserts that {@code trail} holds {@code records} records (one per query or activation run),
   * that its chain verifies, and that {@code printed} reports exactly that.
   */
  static void assertVerified(AuditTrail trail, long records, String printed) {
    AuditTrail.Verification v = trail.verify();
    assertTrue(v.ok(), () -> "chain broken: " + v.failure());
    assertEquals(records, v.records());
    assertEquals(records, trail.records().size());
    assertTrue(
        printed.contains("Audit trail: " + Budgets.plural(records, "record") + ", chain verified"),
        printed);
  }

  /**
   * Asserts the ε charged on {@code owner}'s datasets, each entry written {@code "dataset by
   * analyst: ε e in n"} with ε without trailing zeros, sorted by dataset, then analyst.
   */
  static void assertCharged(AuditTrail trail, String owner, String... expected) {
    List<String> charged =
        trail.epsilonCharged(owner).stream()
            .map(
                c ->
                    c.dataset()
                        + " by "
                        + c.analyst()
                        + ": ε "
                        + c.epsilon().stripTrailingZeros().toPlainString()
                        + " in "
                        + c.queries())
            .toList();
    assertEquals(List.of(expected), charged);
  }
}
