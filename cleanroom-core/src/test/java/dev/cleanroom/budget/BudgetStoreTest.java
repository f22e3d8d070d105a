package dev.cleanroom.budget;

import static dev.cleanroom.budget.BudgetTesting.assertAmount;
import static dev.cleanroom.budget.BudgetTesting.assertSpent;
import static dev.cleanroom.budget.BudgetTesting.eps;
import static dev.cleanroom.budget.BudgetTesting.epsDelta;
import static dev.cleanroom.budget.BudgetTesting.journalIn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.testing.NullPointerTester;
import dev.cleanroom.BudgetExhaustedException;
import dev.cleanroom.budget.BudgetTesting.Kind;
import dev.cleanroom.spi.BudgetStore;
import dev.cleanroom.spi.LedgerCharge;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The charge rule, shared by both built-in stores. */
class BudgetStoreTest {
  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(Kind.class)
  void charge_returnsTotalsAfterTheCharge_inTheOrderOfTheCharges(Kind kind) {
    try (BudgetStore store = kind.open(dir)) {
      store.charge(List.of(eps("a", "0.25", "1")));
      List<LedgerCharge.Spent> after =
          store.charge(List.of(eps("b", "0.5", "1"), epsDelta("a", "0.125", "1e-9", "1", "1e-6")));
      assertEquals(2, after.size());
      assertEquals("b", after.get(0).ledger());
      assertAmount("0.5", after.get(0).epsilon());
      assertAmount("0", after.get(0).delta());
      assertEquals("a", after.get(1).ledger());
      assertAmount("0.375", after.get(1).epsilon());
      assertAmount("1e-9", after.get(1).delta());
      assertSpent(store, "a", "0.375", "1e-9");
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void unknownLedger_hasSpentZero(Kind kind) {
    try (BudgetStore store = kind.open(dir)) {
      store.charge(List.of(eps("known", "0.5", "1")));
      LedgerCharge.Spent s = store.spent("unknown");
      assertEquals("unknown", s.ledger());
      assertEquals(0, s.epsilon().signum());
      assertEquals(0, s.delta().signum());
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void chargeOverTwoLedgers_whereOneHasTooLittle_chargesNeither(Kind kind) {
    try (BudgetStore store = kind.open(dir)) {
      store.charge(List.of(eps("A", "0.2", "1"), eps("B", "0.7", "1")));
      BudgetExhaustedException e =
          assertThrows(
              BudgetExhaustedException.class,
              () -> store.charge(List.of(eps("A", "0.5", "1"), eps("B", "0.5", "1"))));
      assertEquals("B", e.ledger());
      assertAmount("0.5", e.requestedEpsilon());
      assertAmount("0", e.requestedDelta());
      assertAmount("0.3", e.remainingEpsilon());
      assertAmount("0", e.remainingDelta());
      assertTrue(e.getMessage().contains("ledger B "), e.getMessage());
      assertTrue(e.getMessage().contains("requested ε=0.5"), e.getMessage());
      assertTrue(e.getMessage().contains("remaining ε=0.3"), e.getMessage());
      assertSpent(store, "A", "0.2", "0");
      assertSpent(store, "B", "0.7", "0");
    }
    if (kind == Kind.JOURNAL) {
      try (BudgetStore reopened = kind.open(dir)) {
        assertSpent(reopened, "A", "0.2", "0");
        assertSpent(reopened, "B", "0.7", "0");
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void refusal_namesTheFirstLedgerInListOrder_thatHasTooLittle(Kind kind) {
    try (BudgetStore store = kind.open(dir)) {
      store.charge(List.of(eps("x", "0.9", "1"), eps("y", "0.9", "1")));
      BudgetExhaustedException xy =
          assertThrows(
              BudgetExhaustedException.class,
              () -> store.charge(List.of(eps("x", "0.2", "1"), eps("y", "0.2", "1"))));
      assertEquals("x", xy.ledger());
      BudgetExhaustedException yx =
          assertThrows(
              BudgetExhaustedException.class,
              () -> store.charge(List.of(eps("y", "0.2", "1"), eps("x", "0.2", "1"))));
      assertEquals("y", yx.ledger());
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void deltaOverItsLimit_isRefused_evenWhenEpsilonFits(Kind kind) {
    try (BudgetStore store = kind.open(dir)) {
      store.charge(List.of(epsDelta("d", "0.1", "4e-7", "1", "1e-6")));
      BudgetExhaustedException e =
          assertThrows(
              BudgetExhaustedException.class,
              () -> store.charge(List.of(epsDelta("d", "0.1", "7e-7", "1", "1e-6"))));
      assertEquals("d", e.ledger());
      assertAmount("7e-7", e.requestedDelta());
      assertAmount("6e-7", e.remainingDelta());
      assertAmount("0.9", e.remainingEpsilon());
      assertSpent(store, "d", "0.1", "4e-7");
      store.charge(List.of(epsDelta("d", "0.1", "6e-7", "1", "1e-6")));
      assertSpent(store, "d", "0.2", "1e-6");
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void chargeExactlyUpToTheLimit_succeeds_whateverTheScale(Kind kind) {
    try (BudgetStore store = kind.open(dir)) {
      store.charge(List.of(eps("e", "0.50", "1.000")));
      store.charge(List.of(eps("e", "0.5", "1")));
      assertSpent(store, "e", "1", "0");
      assertThrows(
          BudgetExhaustedException.class,
          () -> store.charge(List.of(eps("e", "0.0000000000000000000001", "1"))));
      // A zero charge still fits a full ledger: spent + 0 <= limit.
      store.charge(List.of(eps("e", "0", "1")));
      assertSpent(store, "e", "1", "0");
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void limitLoweredBelowSpent_remainingIsZero_notNegative(Kind kind) {
    try (BudgetStore store = kind.open(dir)) {
      store.charge(List.of(epsDelta("l", "0.8", "5e-7", "1", "1e-6")));
      BudgetExhaustedException e =
          assertThrows(
              BudgetExhaustedException.class,
              () -> store.charge(List.of(epsDelta("l", "0", "0", "0.5", "1e-7"))));
      assertEquals(0, e.remainingEpsilon().signum(), e.remainingEpsilon().toPlainString());
      assertEquals(0, e.remainingDelta().signum(), e.remainingDelta().toPlainString());
      assertSpent(store, "l", "0.8", "5e-7");
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void emptyCharges_isRejected(Kind kind) {
    try (BudgetStore store = kind.open(dir)) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> store.charge(List.of()));
      assertTrue(e.getMessage().contains("at least one ledger"), e.getMessage());
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void ledgerNamedTwice_isRejected_andNothingIsCharged(Kind kind) {
    try (BudgetStore store = kind.open(dir)) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  store.charge(
                      List.of(
                          eps("other", "0.1", "1"),
                          eps("twice", "0.1", "1"),
                          eps("twice", "0.2", "1"))));
      assertTrue(e.getMessage().contains("twice"), e.getMessage());
      assertSpent(store, "other", "0", "0");
      assertSpent(store, "twice", "0", "0");
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void nulls_areRejected(Kind kind) {
    try (BudgetStore store = kind.open(dir)) {
      assertThrows(NullPointerException.class, () -> store.charge(null));
      List<LedgerCharge> withNull = new ArrayList<>(Collections.singletonList(null));
      assertThrows(NullPointerException.class, () -> store.charge(withNull));
      assertThrows(NullPointerException.class, () -> store.spent(null));
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void callerMayChangeItsListAfterwards_withoutEffect(Kind kind) {
    try (BudgetStore store = kind.open(dir)) {
      List<LedgerCharge> charges = new ArrayList<>(List.of(eps("m", "0.1", "1")));
      store.charge(charges);
      charges.set(0, eps("m", "0.9", "1"));
      assertSpent(store, "m", "0.1", "0");
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void closedStore_rejectsEveryCall_andCloseIsIdempotent(Kind kind) {
    BudgetStore store = kind.open(dir);
    store.charge(List.of(eps("c", "0.1", "1")));
    store.close();
    store.close();
    IllegalStateException charge =
        assertThrows(
            IllegalStateException.class, () -> store.charge(List.of(eps("c", "0.1", "1"))));
    assertTrue(charge.getMessage().contains("closed"), charge.getMessage());
    assertThrows(IllegalStateException.class, () -> store.spent("c"));
    // Closed wins over a caller mistake in the argument.
    assertThrows(IllegalStateException.class, () -> store.charge(List.of()));
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void bind_keepsTheFirstValue_andRefusesMalformedTexts(Kind kind) {
    try (BudgetStore store = kind.open(dir)) {
      BudgetTesting.assertBindContract(store);
      store.charge(List.of(eps("a", "0.5", "1")));
      assertSpent(store, "a", "0.5", "0");
      store.close();
      assertThrows(IllegalStateException.class, () -> store.bind("a", "v"));
    }
  }

  @Test
  void journal_keepsBindingsAcrossReopening_besideItsCharges() {
    try (BudgetStore store = BudgetStores.journal(journalIn(dir))) {
      store.charge(List.of(eps("l", "0.25", "1")));
      assertEquals("pub.first", store.bind("data/x", "pub.first"));
      store.charge(List.of(eps("l", "0.25", "1")));
    }
    try (BudgetStore reopened = BudgetStores.journal(journalIn(dir))) {
      assertEquals("pub.first", reopened.bind("data/x", "pub.second"));
      assertEquals("pub.other", reopened.bind("data/y", "pub.other"));
      assertSpent(reopened, "l", "0.5", "0");
    }
    try (BudgetStore again = BudgetStores.journal(journalIn(dir))) {
      assertEquals("pub.first", again.bind("data/x", "pub.third"));
      assertEquals("pub.other", again.bind("data/y", "pub.third"));
    }
  }

  @Test
  void inMemoryStores_areIndependent() {
    try (BudgetStore one = BudgetStores.inMemory();
        BudgetStore two = BudgetStores.inMemory()) {
      one.charge(List.of(eps("i", "0.7", "1")));
      assertSpent(two, "i", "0", "0");
      two.charge(List.of(eps("i", "0.7", "1")));
      assertSpent(one, "i", "0.7", "0");
    }
  }

  @Test
  void unpairedSurrogateInLedgerName_isRejectedByTheJournal_andNothingIsCharged() {
    String bad = "ledger-\uD800";
    try (BudgetStore store = BudgetStores.journal(journalIn(dir))) {
      long size = sizeOf(journalIn(dir));
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> store.charge(List.of(eps("fine", "0.1", "1"), eps(bad, "0.1", "1"))));
      assertTrue(e.getMessage().contains("index 1"), e.getMessage());
      assertSpent(store, "fine", "0", "0");
      assertEquals(size, sizeOf(journalIn(dir)));
    }
  }

  @Test
  void oversizedCharge_isRejectedByTheJournal_andNothingIsCharged() {
    char[] longName = new char[600_000];
    Arrays.fill(longName, 'n');
    String a = "a" + new String(longName);
    String b = "b" + new String(longName);
    try (BudgetStore store = BudgetStores.journal(journalIn(dir))) {
      store.charge(List.of(eps(a, "0.1", "1"))); // one long name fits
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> store.charge(List.of(eps(a, "0.1", "1"), eps(b, "0.1", "1"))));
      assertTrue(e.getMessage().contains("too large"), e.getMessage());
      assertSpent(store, a, "0.1", "0");
      assertSpent(store, b, "0", "0");
    }
    try (BudgetStore reopened = BudgetStores.journal(journalIn(dir))) {
      assertSpent(reopened, a, "0.1", "0");
    }
  }

  @Test
  void factories_rejectNulls() {
    new NullPointerTester().testAllPublicStaticMethods(BudgetStores.class);
  }

  @Test
  void journalOfMissingDirectory_isRejected_withoutCreatingIt() {
    Path missing = dir.resolve("missing").resolve("budget.journal");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> BudgetStores.journal(missing));
    assertTrue(e.getMessage().contains("directory"), e.getMessage());
    assertFalse(Files.exists(missing.getParent()));
  }

  @Test
  void journalThatIsADirectory_isRejected() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> BudgetStores.journal(dir));
    assertTrue(e.getMessage().contains("directory"), e.getMessage());
  }

  private static long sizeOf(Path file) {
    try {
      return Files.size(file);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
