package dev.cleanroom.budget;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cleanroom.spi.BudgetStore;
import dev.cleanroom.spi.LedgerCharge;
import java.math.BigDecimal;
import java.nio.file.Path;

/** Shorthands for the budget store tests. */
final class BudgetTesting {
  private BudgetTesting() {}

  /** The two built-in stores. */
  enum Kind {
    IN_MEMORY,
    JOURNAL;

    /** A fresh store; a journal lives in {@code dir}. */
    BudgetStore open(Path dir) {
      return this == IN_MEMORY ? BudgetStores.inMemory() : BudgetStores.journal(journalIn(dir));
    }
  }

  /** The journal file used for {@link Kind#JOURNAL} in {@code dir}. */
  static Path journalIn(Path dir) {
    return dir.resolve("budget.journal");
  }

  static BigDecimal d(String s) {
    return new BigDecimal(s);
  }

  /** A pure-ε charge (δ 0 against a δ limit of 0). */
  static LedgerCharge eps(String ledger, String epsilon, String epsilonLimit) {
    return new LedgerCharge(ledger, d(epsilon), BigDecimal.ZERO, d(epsilonLimit), BigDecimal.ZERO);
  }

  /** An (ε, δ) charge. */
  static LedgerCharge epsDelta(
      String ledger, String epsilon, String delta, String epsilonLimit, String deltaLimit) {
    return new LedgerCharge(ledger, d(epsilon), d(delta), d(epsilonLimit), d(deltaLimit));
  }

  /** Asserts numeric equality (scale ignored), showing both values on failure. */
  static void assertAmount(String expected, BigDecimal actual) {
    assertAmount(d(expected), actual);
  }

  /** Asserts numeric equality (scale ignored), showing both values on failure. */
  static void assertAmount(BigDecimal expected, BigDecimal actual) {
    assertEquals(
        0,
        expected.compareTo(actual),
        () -> "expected " + expected.toPlainString() + " but was " + actual.toPlainString());
  }

  /** Asserts what {@code ledger} has spent. */
  static void assertSpent(BudgetStore store, String ledger, String epsilon, String delta) {
    LedgerCharge.Spent s = store.spent(ledger);
    assertEquals(ledger, s.ledger());
    assertAmount(epsilon, s.epsilon());
    assertAmount(delta, s.delta());
  }

  /**
   * The contract of {@link BudgetStore#bind} on an open {@code store} without bindings: the first
   * value stays, keys are independent, texts of 1,000 characters (any script) are kept whole, and
   * malformed keys and values are refused without binding anything. Binds the keys {@code a},
   * {@code b} and a long one.
   */
  static void assertBindContract(BudgetStore store) {
    assertEquals("pub.first", store.bind("a", "pub.first"));
    assertEquals("pub.first", store.bind("a", "pub.second"));
    assertEquals("x.\u00e9\uD83D\uDE00", store.bind("b", "x.\u00e9\uD83D\uDE00"));
    assertEquals("pub.first", store.bind("a", "pub.third"));
    String longest = "k".repeat(1_000);
    assertEquals("v".repeat(1_000), store.bind(longest, "v".repeat(1_000)));
    for (String bad : new String[] {"", "k".repeat(1_001), "n\0ul", "half\uD800", "\uDC00x"}) {
      assertThrows(IllegalArgumentException.class, () -> store.bind(bad, "v"));
      assertThrows(IllegalArgumentException.class, () -> store.bind("c", bad));
    }
    assertThrows(NullPointerException.class, () -> store.bind(null, "v"));
    assertThrows(NullPointerException.class, () -> store.bind("c", null));
    assertEquals("later", store.bind("c", "later"));
  }
}
