package dev.cleanroom.budget;

import dev.cleanroom.BudgetExhaustedException;
import dev.cleanroom.spi.LedgerCharge;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The spent totals of named ledgers and the all-or-nothing charge rule that every built-in {@link
 * dev.cleanroom.spi.BudgetStore} shares.
 *
 * <p>Not thread-safe: the owning store calls every method while holding its one lock, so a check
 * and the additions that follow it are a single atomic step.
 *
 * <p>Arithmetic is exact: {@link BigDecimal} additions without rounding, comparisons with {@link
 * BigDecimal#compareTo} (so {@code 1.0} and {@code 1.00} are the same amount). A ledger never
 * charged has spent zero.
 */
final class BudgetLedgers {
  /** Spent totals by ledger name; a ledger appears once it has been charged (possibly zero). */
  private final Map<String, LedgerCharge.Spent> spent = new HashMap<>();

  /** The bindings of {@link dev.cleanroom.spi.BudgetStore#bind}: key to value, never changed. */
  private final Map<String, String> bindings = new HashMap<>();

  /** The longest key or value of a binding, in characters. */
  static final int MAX_BINDING = 1_000;

  /**
   * Checks a key or value of {@link dev.cleanroom.spi.BudgetStore#bind}: 1 to {@value #MAX_BINDING}
   * characters, no NUL (PostgreSQL refuses it in text), no unpaired surrogate (it would not survive
   * UTF-8). The message does not repeat the text.
   *
   * @return {@code text}
   * @throws NullPointerException if {@code text} is null
   * @throws IllegalArgumentException if {@code text} is not of that form
   */
  static String checkBinding(String what, String text) {
    Objects.requireNonNull(text, what);
    boolean ok = !text.isEmpty() && text.length() <= MAX_BINDING && text.indexOf('\0') < 0;
    for (int i = 0; ok && i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c)) {
        ok = i + 1 < text.length() && Character.isLowSurrogate(text.charAt(++i));
      } else {
        ok = !Character.isLowSurrogate(c);
      }
    }
    if (!ok) {
      throw new IllegalArgumentException(
          "a binding's "
              + what
              + " has 1 to "
              + MAX_BINDING
              + " characters, none of them NUL, and no unpaired surrogate");
    }
    return text;
  }

  /**
   * The value bound to {@code key}, binding {@code value} first if it has none; both checked with
   * {@link #checkBinding}.
   */
  String bind(String key, String value) {
    return bindings.computeIfAbsent(key, k -> value);
  }

  /** The value bound to {@code key}, or null. */
  String bound(String key) {
    return bindings.get(key);
  }

  /**
   * Copies and validates the argument of {@link dev.cleanroom.spi.BudgetStore#charge}.
   *
   * @return an immutable copy of {@code charges}
   * @throws NullPointerException if {@code charges} or an element is null
   * @throws IllegalArgumentException if {@code charges} is empty or names a ledger twice
   */
  static List<LedgerCharge> validate(List<LedgerCharge> charges) {
    Objects.requireNonNull(charges, "charges");
    List<LedgerCharge> copy = List.copyOf(charges);
    if (copy.isEmpty()) {
      throw new IllegalArgumentException("charges must name at least one ledger; provided: none");
    }
    Set<String> seen = new HashSet<>();
    for (LedgerCharge c : copy) {
      if (!seen.add(c.ledger())) {
        throw new IllegalArgumentException(
            "charges must name each ledger at most once; ledger named twice: " + c.ledger());
      }
    }
    return copy;
  }

  /**
   * What {@code ledger} has spent; zeros for a ledger never charged.
   *
   * @throws NullPointerException if {@code ledger} is null
   */
  LedgerCharge.Spent spent(String ledger) {
    Objects.requireNonNull(ledger, "ledger");
    LedgerCharge.Spent s = spent.get(ledger);
    return s != null ? s : new LedgerCharge.Spent(ledger, BigDecimal.ZERO, BigDecimal.ZERO);
  }

  /**
   * Checks that every ledger can take its charge ({@code spent + charge <= limit}, for ε and for
   * δ), changing nothing.
   *
   * @param charges validated by {@link #validate}
   * @throws BudgetExhaustedException for the first ledger, in list order, that has too little left;
   *     its remaining amounts are {@code limit - spent}, or zero where spent already exceeds a
   *     (since lowered) limit
   */
  void check(List<LedgerCharge> charges) {
    for (LedgerCharge c : charges) {
      LedgerCharge.Spent s = spent(c.ledger());
      BigDecimal epsilonAfter = s.epsilon().add(c.epsilon());
      BigDecimal deltaAfter = s.delta().add(c.delta());
      if (epsilonAfter.compareTo(c.epsilonLimit()) > 0
          || deltaAfter.compareTo(c.deltaLimit()) > 0) {
        throw new BudgetExhaustedException(
            c.ledger(),
            c.epsilon(),
            c.delta(),
            remaining(c.epsilonLimit(), s.epsilon()),
            remaining(c.deltaLimit(), s.delta()));
      }
    }
  }

  /**
   * Adds every charge to its ledger without checking limits; call {@link #check} first under the
   * same lock.
   *
   * @param charges validated by {@link #validate}
   * @return the ledgers' totals after the charge, in the order of {@code charges}
   */
  List<LedgerCharge.Spent> apply(List<LedgerCharge> charges) {
    LedgerCharge.Spent[] after = new LedgerCharge.Spent[charges.size()];
    for (int i = 0; i < after.length; i++) {
      LedgerCharge c = charges.get(i);
      after[i] = add(c.ledger(), c.epsilon(), c.delta());
    }
    return List.of(after);
  }

  /**
   * Adds an amount to a ledger without checking any limit (replay of a journal).
   *
   * @return the ledger's total afterwards
   */
  LedgerCharge.Spent add(String ledger, BigDecimal epsilon, BigDecimal delta) {
    LedgerCharge.Spent s = spent(ledger);
    LedgerCharge.Spent next =
        new LedgerCharge.Spent(ledger, s.epsilon().add(epsilon), s.delta().add(delta));
    spent.put(ledger, next);
    return next;
  }

  private static BigDecimal remaining(BigDecimal limit, BigDecimal spent) {
    BigDecimal r = limit.subtract(spent);
    return r.signum() < 0 ? BigDecimal.ZERO : r;
  }
}
