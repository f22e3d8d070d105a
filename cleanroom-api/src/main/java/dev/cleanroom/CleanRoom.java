package dev.cleanroom;

import dev.cleanroom.engine.CleanRoomProvider;
import dev.cleanroom.engine.Settings;
import dev.cleanroom.query.QueryStart;
import dev.cleanroom.spi.AuditSink;
import dev.cleanroom.spi.BudgetStore;
import dev.cleanroom.spi.CohortSink;
import dev.cleanroom.spi.DataSource;
import dev.cleanroom.spi.ResultSink;
import dev.cleanroom.spi.StateStore;
import java.time.Clock;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
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
 * <p>A room is safe to use from many threads at once, including registering, replacing and retiring
 * datasets while queries run: a query reads one version of each dataset from its start to its end.
 * The engine comes from {@code cleanroom-core}, found through {@link ServiceLoader}.
 *
 * <p>A room lives for months: owners replace their data ({@link #replaceData}) and change their
 * rules ({@link #tightenPolicy}, {@link #loosenPolicy}), retire datasets ({@link #retire}) and
 * grant budget top-ups; every change is audited (outcome {@code CHANGED}). Budgets and query limits
 * belong to the data and carry over across versions. {@link #close()} releases the room's stores,
 * files and threads.
 */
public interface CleanRoom extends AutoCloseable {
  /**
   * A builder for a room.
   *
   * @return a builder for a room
   */
  static Builder builder() {
    return new Builder();
  }

  /**
   * Adds a dataset. Queries started afterwards may use it. The same data (as {@link
   * dev.cleanroom.spi.DataSource#dataIdentity()} tells, else the same source object) registered
   * again under another name shares the first name's budgets and difference checks; registered by
   * another owner, it is refused, even after the first owner's datasets over it are retired: each
   * piece of data is protected by its owner's rules alone. Data that tells its identity is bound to
   * its first name and owner in the room's {@link dev.cleanroom.spi.BudgetStore} ({@link
   * dev.cleanroom.spi.BudgetStore#bind}), so this holds across restarts and for every room and host
   * that shares a durable store; a source object without an identity is recognized in this room
   * only. The dataset's policy document is recorded in the room's {@link
   * dev.cleanroom.spi.StateStore}; where the store already holds one for this name (recorded before
   * a restart, or by another host) and the given policy is looser in some rule, the recorded policy
   * is registered instead: only {@link #loosenPolicy} loosens a policy.
   *
   * @param dataset the dataset to add
   * @throws IllegalArgumentException if a dataset with the same qualified name is registered, or
   *     its data is registered by another owner
   * @throws java.io.UncheckedIOException if the budget store cannot keep the data's binding
   */
  void register(Dataset dataset);

  /**
   * The qualified names of the registered datasets.
   *
   * @return the qualified names of the registered datasets
   */
  Set<String> datasets();

  /**
   * Replaces the data of a registered dataset with a new version read from {@code source}: same
   * schema, roles and policy. The source is checked as at registration. Queries that started before
   * read the old data to their end; queries started afterwards read the new. Budgets, query limits
   * and difference-check history carry over (they belong to the data, whatever its version).
   *
   * @param dataset the dataset's qualified name
   * @param source the new data, with the same schema
   * @return the new version
   * @throws IllegalArgumentException if no such dataset is registered, the schema differs, or the
   *     source reads data registered under another dataset's budget or by another owner
   * @throws DataSourceException if the source cannot be read as the schema declares
   */
  DatasetVersion replaceData(String dataset, DataSource source);

  /**
   * Makes {@code policy} the dataset's policy at once, provided it is at least as strict as the
   * current one in every rule (see {@link #loosenPolicy} for any other change). Every query planned
   * afterwards, and every stored answer served afterwards, obeys it; budget already spent counts
   * against the new limits.
   *
   * @param dataset the dataset's qualified name
   * @param policy the stricter policy
   * @return the new version
   * @throws IllegalArgumentException if no such dataset is registered, or if {@code policy} is
   *     looser than the current one in some rule (the message names each such rule)
   */
  DatasetVersion tightenPolicy(String dataset, Policy policy);

  /**
   * Makes {@code policy}, which may be looser than the current one in any rule, the dataset's new
   * policy version: the owner's explicit decision, audited with the rules it loosens. Nothing else
   * ever loosens a policy. Budgets already spent carry over.
   *
   * @param dataset the dataset's qualified name
   * @param policy the new policy
   * @return the new version
   * @throws IllegalArgumentException if no such dataset is registered
   */
  DatasetVersion loosenPolicy(String dataset, Policy policy);

  /**
   * Removes a dataset: queries started afterwards cannot name it; queries already running finish.
   * Its budgets stay in the budget store, so registering the same data again resumes them.
   *
   * @param dataset the dataset's qualified name
   * @throws IllegalArgumentException if no such dataset is registered
   */
  void retire(String dataset);

  /**
   * The current version of a registered dataset.
   *
   * @param dataset the dataset's qualified name
   * @return its version
   * @throws IllegalArgumentException if no such dataset is registered
   */
  DatasetVersion version(String dataset);

  /**
   * Every ledger of {@code analyst} on the registered datasets that allow it: privacy budget and
   * query count in the current period, with what is spent and left.
   *
   * @param analyst the analyst
   * @return the ledgers, ordered by ledger name
   * @throws IllegalArgumentException if {@code analyst} is not a valid party name
   */
  List<BudgetBalance> budgets(String analyst);

  /**
   * Every ledger on the datasets of {@code owner}: one per allowed analyst, dataset and kind.
   *
   * @param owner the data owner
   * @return the ledgers, ordered by ledger name
   * @throws IllegalArgumentException if {@code owner} is not a valid party name
   */
  List<BudgetBalance> ownerBudgets(String owner);

  /**
   * Grants {@code analyst} extra privacy budget on a dataset for the current budget period, on the
   * owner's decision; audited. The grant is kept in the budget store with the ledgers.
   *
   * @param dataset the dataset's qualified name; its policy must require differential privacy
   * @param analyst an analyst the dataset's policy allows
   * @param extra the ε and δ to add to the current period's limit
   * @return the ledger after the grant
   * @throws IllegalArgumentException if the dataset is unknown, has no privacy budget, or does not
   *     allow the analyst
   */
  BudgetBalance grantTopUp(String dataset, String analyst, PrivacyBudget extra);

  /**
   * Grants {@code analyst} extra queries on a dataset with a query limit, for the current period;
   * audited.
   *
   * @param dataset the dataset's qualified name; its policy must have a query limit
   * @param analyst an analyst the dataset's policy allows
   * @param queries the number of queries to add, at least 1
   * @return the ledger after the grant
   * @throws IllegalArgumentException if the dataset is unknown, has no query limit, does not allow
   *     the analyst, or {@code queries} is below 1
   */
  BudgetBalance grantQueries(String dataset, String analyst, int queries);

  /**
   * Closes the room: no query starts afterwards, and the stores given to its builder (budget store,
   * state store), the room's timers and threads are released. Closing twice does nothing.
   */
  @Override
  void close();

  /**
   * Starts a query by {@code analyst}. Whether the analyst may touch a dataset is decided by each
   * dataset's policy when the query runs.
   *
   * @param analyst the querying party
   * @return the first stage of the query
   * @throws IllegalArgumentException if {@code analyst} is not a valid party name
   */
  QueryStart as(String analyst);

  /**
   * Registers a query template, or replaces the template of the same id by the same author. A
   * template whose content changed (see {@link QueryTemplate#contentHash()}) loses every approval;
   * registering identical content again keeps them.
   *
   * @param template the template
   * @throws IllegalArgumentException if another party registered a template with the same id
   */
  void registerTemplate(QueryTemplate template);

  /**
   * Approves the registered template {@code templateId} on behalf of {@code owner}, for the content
   * with hash {@code contentHash} only. A template runs only when every owner of a dataset it
   * touches has approved its current content.
   *
   * @param owner the approving party, owner of a dataset the template touches
   * @param templateId the template's identifier
   * @param contentHash the {@link QueryTemplate#contentHash()} of the content the owner reviewed
   * @throws IllegalArgumentException if no such template is registered or {@code owner} owns no
   *     dataset the template touches
   * @throws IllegalStateException if the registered template's content hash differs from {@code
   *     contentHash} (it changed since the owner reviewed it)
   */
  void approveTemplate(String owner, String templateId, String contentHash);

  /**
   * The registered template {@code templateId}, for owners to review before they approve it.
   *
   * @param templateId the template's identifier
   * @return the template, or empty if none is registered under that id
   */
  Optional<QueryTemplate> template(String templateId);

  /**
   * Registers where {@code party} receives the results of queries submitted to it with {@code
   * FinalStage.submit}.
   *
   * @param party the receiving party
   * @param sink where its results go
   * @throws IllegalArgumentException if {@code party} is not a valid party name or already has a
   *     result sink
   */
  void registerResultSink(String party, ResultSink sink);

  /**
   * Registers where {@code party} receives the cohorts activated for it with {@code
   * CohortStage.activateFor}.
   *
   * @param party the receiving party
   * @param sink where the ids of its own users in each cohort go
   * @throws IllegalArgumentException if {@code party} is not a valid party name or already has a
   *     cohort sink
   */
  void registerCohortSink(String party, CohortSink sink);

  /** Builds a {@link CleanRoom}. Each setter may be called once. */
  final class Builder {
    private SecretKey secretKey;
    private AuditSink auditSink;
    private BudgetStore budgetStore;
    private StateStore stateStore;
    private Clock clock;
    private final Map<String, AuditSink> partyAuditSinks = new LinkedHashMap<>();

    private Builder() {}

    /**
     * The key for HMAC pseudonymization; by default a fresh 256-bit key from {@link
     * java.security.SecureRandom}, so pseudonyms are unlinkable across rooms. Parties that upload
     * already pseudonymized ids must use the same key.
     *
     * @param key the HMAC key
     * @return this builder
     */
    public Builder secretKey(SecretKey key) {
      Objects.requireNonNull(key, "key");
      if (secretKey != null) {
        throw new IllegalStateException("secretKey was already set");
      }
      secretKey = key;
      return this;
    }

    /**
     * Where audit events go; by default an SLF4J logger named {@code dev.cleanroom.audit}.
     *
     * @param sink the audit sink
     * @return this builder
     */
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
     *
     * @param store the budget store
     * @return this builder
     */
    public Builder budgetStore(BudgetStore store) {
      Objects.requireNonNull(store, "store");
      if (budgetStore != null) {
        throw new IllegalStateException("budgetStore was already set");
      }
      budgetStore = store;
      return this;
    }

    /**
     * Where the room keeps templates, approvals, stored answers and the history of difference
     * checks across restarts; by default in memory only, so that a restarted room starts without
     * them. A restarted room needs the same {@link #secretKey} to use the history. Use a durable
     * store (a journal file) in production.
     *
     * @param store the state store
     * @return this builder
     */
    public Builder stateStore(StateStore store) {
      Objects.requireNonNull(store, "store");
      if (stateStore != null) {
        throw new IllegalStateException("stateStore was already set");
      }
      stateStore = store;
      return this;
    }

    /**
     * The clock for audit times and budget periods; by default the system clock in UTC.
     *
     * @param clock the clock for audit times and budget periods
     * @return this builder
     */
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
     * @return the room
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
              partyAuditSinks,
              Optional.ofNullable(stateStore));
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
