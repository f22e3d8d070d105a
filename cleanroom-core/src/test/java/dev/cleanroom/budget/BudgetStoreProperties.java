package dev.cleanroom.budget;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.BudgetExhaustedException;
import dev.cleanroom.spi.BudgetStore;
import dev.cleanroom.spi.LedgerCharge;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Invariants of the built-in stores over random sequences of charges: both agree with a simple
 * model (check every ledger, then add to all), spent never exceeds a limit, and a journal replays
 * to the same totals.
 */
class BudgetStoreProperties {
  private static final List<String> NAMES = List.of("a", "b", "c", "dataset/analyst/2025-06");

  /** A scenario: fixed limits per ledger and a sequence of charges against them. */
  record Scenario(Map<String, BigDecimal[]> limits, List<List<Part>> charges) {
    List<LedgerCharge> charge(int index) {
      List<LedgerCharge> out = new ArrayList<>();
      for (Part p : charges.get(index)) {
        BigDecimal[] limit = limits.get(p.ledger());
        out.add(new LedgerCharge(p.ledger(), p.epsilon(), p.delta(), limit[0], limit[1]));
      }
      return out;
    }
  }

  /** One ledger's part of a charge. */
  record Part(String ledger, BigDecimal epsilon, BigDecimal delta) {}

  @Property
  void inMemoryStore_agreesWithTheModel_andNeverExceedsALimit(
      @ForAll("scenarios") Scenario scenario) {
    try (BudgetStore store = BudgetStores.inMemory()) {
      run(scenario, store);
    }
  }

  @Property(tries = 100)
  void journalStore_agreesWithTheModel_andReplaysToTheSameTotals(
      @ForAll("scenarios") Scenario scenario) throws IOException {
    Path dir = Files.createTempDirectory("budget-properties");
    try {
      Path file = dir.resolve("budget.journal");
      Map<String, LedgerCharge.Spent> inMemory;
      try (BudgetStore memory = BudgetStores.inMemory();
          BudgetStore journal = BudgetStores.journal(file)) {
        inMemory = run(scenario, memory);
        Map<String, LedgerCharge.Spent> journaled = run(scenario, journal);
        assertSameTotals(inMemory, journaled);
      }
      try (BudgetStore reopened = BudgetStores.journal(file)) {
        Map<String, LedgerCharge.Spent> replayed = new HashMap<>();
        for (String name : NAMES) {
          replayed.put(name, reopened.spent(name));
        }
        assertSameTotals(inMemory, replayed);
      }
    } finally {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(BudgetStoreProperties::delete);
      }
    }
  }

  /** Replays {@code scenario} against the store and the model, step by step; returns the totals. */
  private static Map<String, LedgerCharge.Spent> run(Scenario scenario, BudgetStore store) {
    Map<String, BigDecimal[]> model = new HashMap<>();
    for (String name : NAMES) {
      model.put(name, new BigDecimal[] {BigDecimal.ZERO, BigDecimal.ZERO});
    }
    for (int i = 0; i < scenario.charges().size(); i++) {
      List<LedgerCharge> charge = scenario.charge(i);
      String refusing = null;
      for (LedgerCharge c : charge) {
        BigDecimal[] spent = model.get(c.ledger());
        if (spent[0].add(c.epsilon()).compareTo(c.epsilonLimit()) > 0
            || spent[1].add(c.delta()).compareTo(c.deltaLimit()) > 0) {
          refusing = c.ledger();
          break;
        }
      }
      String actual = null;
      try {
        List<LedgerCharge.Spent> after = store.charge(charge);
        assertEquals(charge.size(), after.size());
      } catch (BudgetExhaustedException e) {
        actual = e.ledger();
        assertTrue(e.remainingEpsilon().signum() >= 0 && e.remainingDelta().signum() >= 0);
      }
      assertEquals(refusing, actual, "charge " + i);
      if (refusing == null) {
        for (LedgerCharge c : charge) {
          BigDecimal[] spent = model.get(c.ledger());
          spent[0] = spent[0].add(c.epsilon());
          spent[1] = spent[1].add(c.delta());
        }
      }
    }
    Map<String, LedgerCharge.Spent> totals = new HashMap<>();
    for (String name : NAMES) {
      LedgerCharge.Spent s = store.spent(name);
      BigDecimal[] expected = model.get(name);
      assertEquals(0, expected[0].compareTo(s.epsilon()), name);
      assertEquals(0, expected[1].compareTo(s.delta()), name);
      BigDecimal[] limit = scenario.limits().get(name);
      assertTrue(s.epsilon().compareTo(limit[0]) <= 0, "ε within limit");
      assertTrue(s.delta().compareTo(limit[1]) <= 0, "δ within limit");
      totals.put(name, s);
    }
    return totals;
  }

  private static void assertSameTotals(
      Map<String, LedgerCharge.Spent> expected, Map<String, LedgerCharge.Spent> actual) {
    for (String name : NAMES) {
      assertEquals(0, expected.get(name).epsilon().compareTo(actual.get(name).epsilon()), name);
      assertEquals(0, expected.get(name).delta().compareTo(actual.get(name).delta()), name);
    }
  }

  @Provide
  Arbitrary<Scenario> scenarios() {
    Arbitrary<BigDecimal[]> limit =
        Combinators.combine(amounts(3), amounts(9)).as((e, d) -> new BigDecimal[] {e, d});
    Arbitrary<Map<String, BigDecimal[]>> limits =
        limit.list().ofSize(NAMES.size()).map(BudgetStoreProperties::byName);
    Arbitrary<Part> part =
        Combinators.combine(Arbitraries.of(NAMES), amounts(2), amounts(8)).as(Part::new);
    Arbitrary<List<Part>> charge =
        part.list().ofMinSize(1).ofMaxSize(3).uniqueElements(Part::ledger);
    return Combinators.combine(limits, charge.list().ofMaxSize(25)).as(Scenario::new);
  }

  /** Exact decimals from 0 to a few units, with up to {@code maxScale} digits, zero included. */
  private static Arbitrary<BigDecimal> amounts(int maxScale) {
    return Combinators.combine(
            Arbitraries.longs().between(0, 3_000), Arbitraries.integers().between(0, maxScale))
        .as(BigDecimal::valueOf)
        .edgeCases(c -> c.add(BigDecimal.ZERO));
  }

  private static Map<String, BigDecimal[]> byName(List<BigDecimal[]> limits) {
    Map<String, BigDecimal[]> out = new HashMap<>();
    for (int i = 0; i < NAMES.size(); i++) {
      out.put(NAMES.get(i), limits.get(i));
    }
    return out;
  }

  private static void delete(Path p) {
    try {
      Files.delete(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
