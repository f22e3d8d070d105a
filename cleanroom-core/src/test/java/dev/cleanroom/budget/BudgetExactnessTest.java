package dev.cleanroom.budget;

import static dev.cleanroom.budget.BudgetTesting.assertAmount;
import static dev.cleanroom.budget.BudgetTesting.journalIn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cleanroom.BudgetExhaustedException;
import dev.cleanroom.spi.BudgetStore;
import dev.cleanroom.spi.LedgerCharge;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Budget arithmetic is exact: many tiny charges add up to their limit to the last digit, where
 * {@code double} accumulation would drift (a million {@code 1e-12} summed as doubles is not {@code
 * 1e-6}).
 */
class BudgetExactnessTest {
  @TempDir Path dir;

  @Test
  void aMillionChargesOfOnePico_fillAMicro_exactly() {
    int n = 1_000_000;
    List<LedgerCharge> charge =
        List.of(
            new LedgerCharge(
                "tiny",
                new BigDecimal("1e-12"),
                BigDecimal.ZERO,
                new BigDecimal("1e-6"),
                BigDecimal.ZERO));
    try (BudgetStore store = BudgetStores.inMemory()) {
      int succeeded = 0;
      for (int i = 0; i < n; i++) {
        store.charge(charge);
        succeeded++;
      }
      assertEquals(n, succeeded);
      BudgetExhaustedException e =
          assertThrows(BudgetExhaustedException.class, () -> store.charge(charge));
      assertEquals(0, e.remainingEpsilon().signum(), e.remainingEpsilon().toPlainString());
      assertAmount("1e-6", store.spent("tiny").epsilon());
      assertAmount("0", store.spent("tiny").delta());
    }
  }

  @Test
  void aThousandJournaledChargesOfTenPico_fillTenNano_exactly_andSurviveReopen() {
    // Each journaled charge is one fsync, so fewer charges than in memory.
    int n = 1_000;
    List<LedgerCharge> charge =
        List.of(
            new LedgerCharge(
                "tiny",
                new BigDecimal("1e-11"),
                new BigDecimal("1e-15"),
                new BigDecimal("1e-8"),
                new BigDecimal("1e-12")));
    Path file = journalIn(dir);
    try (BudgetStore store = BudgetStores.journal(file)) {
      for (int i = 0; i < n; i++) {
        store.charge(charge);
      }
      assertThrows(BudgetExhaustedException.class, () -> store.charge(charge));
      assertAmount("1e-8", store.spent("tiny").epsilon());
      assertAmount("1e-12", store.spent("tiny").delta());
    }
    try (BudgetStore reopened = BudgetStores.journal(file)) {
      assertAmount("1e-8", reopened.spent("tiny").epsilon());
      assertAmount("1e-12", reopened.spent("tiny").delta());
      BudgetExhaustedException e =
          assertThrows(BudgetExhaustedException.class, () -> reopened.charge(charge));
      assertEquals(0, e.remainingEpsilon().signum());
    }
  }

  @Test
  void tenthsFromDoubles_fillOne_exactly() {
    try (BudgetStore store = BudgetStores.inMemory()) {
      LedgerCharge tenth =
          new LedgerCharge(
              "t", BigDecimal.valueOf(0.1), BigDecimal.ZERO, BigDecimal.ONE, BigDecimal.ZERO);
      for (int i = 0; i < 10; i++) {
        store.charge(List.of(tenth));
      }
      assertAmount("1", store.spent("t").epsilon());
      assertThrows(BudgetExhaustedException.class, () -> store.charge(List.of(tenth)));
    }
  }
}
