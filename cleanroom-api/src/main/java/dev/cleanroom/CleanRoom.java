package dev.cleanroom;

import dev.cleanroom.query.QueryStart;
import dev.cleanroom.spi.AuditSink;
import dev.cleanroom.spi.BudgetStore;
import dev.cleanroom.spi.CleanRoomProvider;
import java.time.Clock;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;

/**
 * A clean room: datasets of several parties, each under its owner's policy, and analysts who get
 * only aggregated, thresholded answers.
 *
 * <pre>{@code
 * CleanRoom room = CleanRoom.builder().secretKey(key).build();
 * room.register(dataset);
 * Result r = room.as("advertiser").from("publisher.impressions")...run();
 * }</pre>
 *
 * <p>A room is safe to use from many threads at once, including registering datasets while queries
 * run. The engine comes from {@code cleanroom-core}, found through {@link ServiceLoader}.
 */
public interface CleanRoom {
  /** A builder for a room. */
  static Builder builder() {
    return new Builder();
  }

  /**
   * Adds a dataset. Queries started afterwards may use it.
   *
   * @throws IllegalArgumentException if a dataset with the same qualified name is registered
   */
  void register(Dataset dataset);

  /** The qualified names of the registered datasets. */
  Set<String> datasets();

  /**
   * Starts a query by {@code analyst}. Whether the analyst may touch a dataset is decided by each
   * dataset's policy when the query runs.
   *
   * @throws IllegalArgumentException if {@code analyst} is not a valid party name
   */
  QueryStart as(String analyst);

  /**
   * The settings a room is built with.
   *
   * @param secretKey the key for HMAC pseudonymization of user ids
   * @param auditSink where audit events go; empty for the engine's default (SLF4J)
   * @param budgetStore where privacy budgets are charged; empty for the engine's in-memory store
   * @param clock the clock for audit times and budget periods
   * @param partyAuditSinks the audit sinks of data owners, by party name: where the details of a
   *     failure of their datasets go
   */
  record Settings(
      SecretKey secretKey,
      Optional<AuditSink> auditSink,
      Optional<BudgetStore> budgetStore,
      Clock clock,
      Map<String, AuditSink> partyAuditSinks) {
    /**
     * @throws NullPointerException if an argument, or a key or value of {@code partyAuditSinks}, is
     *     null
     */
    public Settings {
      Objects.requireNonNull(secretKey, "secretKey");
      Objects.requireNonNull(auditSink, "auditSink");
      Objects.requireNonNull(budgetStore, "budgetStore");
      Objects.requireNonNull(clock, "clock");
      partyAuditSinks = Map.copyOf(partyAuditSinks);
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
          + "]";
    }
  }

  /** Builds a {@link CleanRoom}. Each setter may be called once. */
  final class Builder {
    private SecretKey secretKey;
    private AuditSink auditSink;
    private BudgetStore budgetStore;
    private Clock clock;
    private final Map<String, AuditSink> partyAuditSinks = new LinkedHashMap<>();

    private Builder() {}

    /**
     * The key for HMAC pseudonymization; by default a fresh 256-bit key from {@link
     * java.security.SecureRandom}, so pseudonyms are unlinkable across rooms. Parties that upload
     * already pseudonymized ids must use the same key.
     */
    public Builder secretKey(SecretKey key) {
      Objects.requireNonNull(key, "key");
      if (secretKey != null) {
        throw new IllegalStateException("secretKey was already set");
      }
      secretKey = key;
      return this;
    }

    /** Where audit events go; by default an SLF4J logger named {@code dev.cleanroom.audit}. */
    public Builder auditSink(AuditSink sink) {
      Objects.requireNonNull(sink, "sink");
      if (auditSink != null) {
        throw new IllegalStateException("auditSink was already set");
      }
      auditSink = sink;
      return this;
    }

    /**
     * Where the details of a failure of a dataset owned by {@code party} go (source, file, line,
     * column, SQL state), together with the incident id that the analyst sees in a {@link
     * QueryFailedException}. Without one, those details go to the room's {@link #auditSink}, which
     * belongs to the host operator. Set once per party.
     *
     * @param party the data owner's party name
     * @param sink the owner's sink; it receives only events about failures of its own datasets
     * @return this builder
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code party} is not a valid party name
     * @throws IllegalStateException if a sink was already set for {@code party}
     */
    public Builder partyAuditSink(String party, AuditSink sink) {
      String name = Party.of(party).name();
      Objects.requireNonNull(sink, "sink");
      if (partyAuditSinks.containsKey(name)) {
        throw new IllegalStateException("partyAuditSink was already set for party " + name);
      }
      partyAuditSinks.put(name, sink);
      return this;
    }

    /**
     * Where privacy budgets are charged; by default an in-memory store that forgets everything when
     * the room is gone. Use a durable store (a journal file) in production.
     */
    public Builder budgetStore(BudgetStore store) {
      Objects.requireNonNull(store, "store");
      if (budgetStore != null) {
        throw new IllegalStateException("budgetStore was already set");
      }
      budgetStore = store;
      return this;
    }

    /** The clock for audit times and budget periods; by default the system clock in UTC. */
    public Builder clock(Clock clock) {
      Objects.requireNonNull(clock, "clock");
      if (this.clock != null) {
        throw new IllegalStateException("clock was already set");
      }
      this.clock = clock;
      return this;
    }

    /**
     * Builds the room.
     *
     * @throws IllegalStateException if no engine ({@code cleanroom-core}) is on the class or module
     *     path
     */
    public CleanRoom build() {
      Settings settings =
          new Settings(
              secretKey != null ? secretKey : SecretKey.random(),
              Optional.ofNullable(auditSink),
              Optional.ofNullable(budgetStore),
              clock != null ? clock : Clock.systemUTC(),
              partyAuditSinks);
      return provider().create(settings);
    }

    private static CleanRoomProvider provider() {
      Iterator<CleanRoomProvider> it = ServiceLoader.load(CleanRoomProvider.class).iterator();
      if (!it.hasNext()) {
        it =
            ServiceLoader.load(CleanRoomProvider.class, CleanRoom.class.getClassLoader())
                .iterator();
      }
      if (!it.hasNext()) {
        throw new IllegalStateException(
            "no cleanroom engine found; add the dev.cleanroom:cleanroom-core dependency");
      }
      return it.next();
    }
  }
}
