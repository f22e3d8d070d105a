package dev.cleanroom.engine;

import dev.cleanroom.SecretKey;
import dev.cleanroom.spi.AuditSink;
import dev.cleanroom.spi.BudgetStore;
import dev.cleanroom.spi.StateStore;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The settings a room is built with, handed by {@link dev.cleanroom.CleanRoom.Builder#build()} to
 * the engine's {@link CleanRoomProvider}.
 *
 * @param secretKey the key for HMAC pseudonymization of user ids
 * @param auditSink where audit events go; empty for the engine's default (SLF4J)
 * @param budgetStore where privacy budgets are charged; empty for the engine's in-memory store
 * @param clock the clock for audit times and budget periods
 * @param partyAuditSinks the audit sinks of data owners, by party name: where the details of a
 *     failure of their datasets go
 * @param stateStore where templates, approvals, stored answers and difference-check history are
 *     kept; empty for the engine's in-memory store
 */
public record Settings(
    SecretKey secretKey,
    Optional<AuditSink> auditSink,
    Optional<BudgetStore> budgetStore,
    Clock clock,
    Map<String, AuditSink> partyAuditSinks,
    Optional<StateStore> stateStore) {
  /**
   * @param secretKey the key for HMAC pseudonymization of user ids
   * @param auditSink where audit events go; empty for the engine's default (SLF4J)
   * @param budgetStore where privacy budgets are charged; empty for the engine's in-memory store
   * @param clock the clock for audit times and budget periods
   * @param partyAuditSinks the audit sinks of parties, by party name, for the details of failures
   *     of their datasets
   * @param stateStore where the room's state is kept; empty for the engine's in-memory store
   * @throws NullPointerException if an argument, or a key or value of {@code partyAuditSinks}, is
   *     null
   */
  public Settings {
    Objects.requireNonNull(secretKey, "secretKey");
    Objects.requireNonNull(auditSink, "auditSink");
    Objects.requireNonNull(budgetStore, "budgetStore");
    Objects.requireNonNull(clock, "clock");
    partyAuditSinks = Map.copyOf(partyAuditSinks);
    Objects.requireNonNull(stateStore, "stateStore");
  }

  /**
   * Settings with the engine's in-memory state store.
   *
   * @param secretKey the key for HMAC pseudonymization of user ids
   * @param auditSink where audit events go; empty for the engine's default (SLF4J)
   * @param budgetStore where privacy budgets are charged; empty for the engine's in-memory store
   * @param clock the clock for audit times and budget periods
   * @param partyAuditSinks the audit sinks of parties, by party name
   * @throws NullPointerException if an argument is null
   */
  public Settings(
      SecretKey secretKey,
      Optional<AuditSink> auditSink,
      Optional<BudgetStore> budgetStore,
      Clock clock,
      Map<String, AuditSink> partyAuditSinks) {
    this(secretKey, auditSink, budgetStore, clock, partyAuditSinks, Optional.empty());
  }

  /**
   * Settings without party audit sinks.
   *
   * @param secretKey the key for HMAC pseudonymization of user ids
   * @param auditSink where audit events go; empty for the engine's default (SLF4J)
   * @param budgetStore where privacy budgets are charged; empty for the engine's in-memory store
   * @param clock the clock for audit times and budget periods
   * @throws NullPointerException if an argument is null
   */
  public Settings(
      SecretKey secretKey,
      Optional<AuditSink> auditSink,
      Optional<BudgetStore> budgetStore,
      Clock clock) {
    this(secretKey, auditSink, budgetStore, clock, Map.of());
  }

  @Override
  public String toString() {
    return "Settings[secretKey="
        + secretKey
        + ", auditSink="
        + auditSink
        + ", budgetStore="
        + budgetStore
        + ", clock="
        + clock
        + ", partyAuditSinks="
        + partyAuditSinks.keySet()
        + ", stateStore="
        + stateStore
        + "]";
  }
}
