package dev.cleanroom.internal.room;

import dev.cleanroom.DataSourceException;
import dev.cleanroom.Dataset;
import dev.cleanroom.DatasetVersion;
import dev.cleanroom.Policy;
import dev.cleanroom.spi.BudgetStore;
import dev.cleanroom.spi.DataSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.BiConsumer;
import java.util.function.BinaryOperator;
import org.apache.commons.codec.digest.DigestUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registered datasets of a room with their versions, and the data each reads: the base of its
 * ledger names, shared by every dataset and version over the same data. Registrations, new data and
 * policy versions and retirements run one at a time; queries read a dataset with one lookup, so
 * each sees one version of it.
 */
final class Registry {
  private static final Logger log = LoggerFactory.getLogger(Registry.class);

  private final ConcurrentMap<String, Dataset> datasets = new ConcurrentHashMap<>();

  /** The version of each registered dataset; changed together with {@link #datasets}. */
  private final ConcurrentMap<String, DatasetVersion> versions = new ConcurrentHashMap<>();

  /** Serializes registrations, replacements, policy changes and retirements. */
  private final Object lifecycle = new Object();

  /**
   * The first dataset's qualified name of each registered piece of data: the base of its ledgers'
   * names, whose owner is the data's owner. For data that tells its identity, the budget store's
   * binding ({@link #bound}).
   */
  private final ConcurrentMap<Object, String> dataLedgers = new ConcurrentHashMap<>();

  /** The first part of the key of a piece of data's binding in the budget store. */
  private static final String BINDING_PREFIX = "data/";

  /** Binds a key to a value in the room's budget store: {@link BudgetStore#bind}. */
  private final BinaryOperator<String> bind;

  /** The ledger base of each registered dataset name: see {@link #ledgerBase}. */
  private final ConcurrentMap<String, String> ledgerBases = new ConcurrentHashMap<>();

  /** Audits a change made on an owner's behalf: the dataset and what changed. */
  private final BiConsumer<Dataset, String> changed;

  Registry(BiConsumer<Dataset, String> changed, BinaryOperator<String> bind) {
    this.changed = changed;
    this.bind = bind;
  }

  /** The qualified names of the registered datasets, sorted. */
  Set<String> names() {
    return Collections.unmodifiableSet(new TreeSet<>(datasets.keySet()));
  }

  /** The registered dataset {@code name}, or null. */
  Dataset get(String name) {
    return datasets.get(name);
  }

  /** The registered datasets. */
  Collection<Dataset> all() {
    return datasets.values();
  }

  /** The qualified names of the datasets whose policy allows {@code analyst}. */
  Set<String> visibleTo(String analyst) {
    Set<String> out = new TreeSet<>();
    datasets.forEach(
        (name, d) -> {
          if (d.policy().analysts().contains(analyst)) {
            out.add(name);
          }
        });
    return out;
  }

  /**
   * The base of the ledger names of {@code d}: the name under which its data was first registered
   * (for data that tells its identity, first registered with the room's budget store, in any room
   * or process), so that registering the same data again under another name does not open a fresh
   * budget.
   */
  String ledgerBase(Dataset d) {
    return ledgerBases.getOrDefault(d.qualifiedName(), d.qualifiedName());
  }

  /**
   * What identifies the data of {@code d}, read once when it is registered: the source's {@link
   * DataSource#dataIdentity()}, else the database and table it declares, else the source object.
   */
  private static Object dataKey(Dataset d) {
    DataSource s = d.source();
    Optional<String> identity = s.dataIdentity();
    if (identity.isPresent()) {
      return identity.get();
    }
    return s.capabilities()
        .sqlTable()
        .<Object>map(t -> List.of(new Identity(t.jdbc()), t.tableSql()))
        .orElseGet(() -> new Identity(s));
  }

  /** An object compared by identity. */
  private record Identity(Object object) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Identity other && other.object == object;
    }

    @Override
    public int hashCode() {
      return System.identityHashCode(object);
    }
  }

  /**
   * Registers {@code dataset} (data and policy version 1), after checking its source. Data already
   * registered by another owner is refused, even if that owner's datasets over it are retired: its
   * owner's rules would otherwise depend on a second owner's settings.
   */
  void register(Dataset dataset) {
    Objects.requireNonNull(dataset, "dataset");
    check(dataset);
    String name = dataset.qualifiedName();
    Object key = dataKey(dataset);
    synchronized (lifecycle) {
      if (datasets.containsKey(name)) {
        throw new IllegalArgumentException("dataset " + name + " is already registered");
      }
      String base = bound(key, name);
      requireOwner(base, dataset);
      ledgerBases.put(name, base);
      versions.put(name, new DatasetVersion(name, 1, 1, PolicyChanges.hash(dataset)));
      datasets.put(name, dataset);
    }
    log.debug("registered dataset {}", name);
  }

  /**
   * The ledger base of the data {@code key} names, made {@code name} if the data has none: in the
   * room's budget store for data that tells its identity ({@link #dataKey}, a string), so that
   * every room, process and host that shares the store agrees; else in this room.
   */
  private String bound(Object key, String name) {
    return dataLedgers.computeIfAbsent(
        key,
        k ->
            k instanceof String identity
                ? bind.apply(BINDING_PREFIX + DigestUtils.sha256Hex(identity), name)
                : name);
  }

  /**
   * Checks that {@code d}'s owner owns the data whose ledger base is {@code base}: the owner of the
   * dataset first registered over it. The message names neither the other owner nor its datasets.
   */
  private static void requireOwner(String base, Dataset d) {
    if (!base.startsWith(d.owner() + ".")) {
      throw new IllegalArgumentException(
          "the source of "
              + d.qualifiedName()
              + " reads data registered by another owner; one piece of data has one owner, whose"
              + " rules alone protect it");
    }
  }

  /** A new data version of {@code dataset}: see {@link dev.cleanroom.CleanRoom#replaceData}. */
  DatasetVersion replaceData(String dataset, DataSource source) {
    Objects.requireNonNull(source, "source");
    DatasetVersion v;
    Dataset next;
    synchronized (lifecycle) {
      Dataset current = registered(dataset);
      if (!source.schema().equals(current.schema())) {
        throw new IllegalArgumentException(
            "the new source of "
                + dataset
                + " has another schema; a new data version keeps the schema (columns "
                + current.schema().names()
                + ")");
      }
      next = current.withSource(source);
      check(next);
      String base = ledgerBase(current);
      String other = bound(dataKey(next), base);
      requireOwner(other, next);
      if (!other.equals(base)) {
        throw new IllegalArgumentException(
            "the new source of "
                + dataset
                + " reads data registered under the budgets of "
                + other
                + "; one piece of data has one budget");
      }
      DatasetVersion old = versions.get(dataset);
      v = new DatasetVersion(dataset, old.data() + 1, old.policy(), old.policyHash());
      datasets.put(dataset, next);
      versions.put(dataset, v);
    }
    changed.accept(next, "data replaced: data version " + v.data());
    return v;
  }

  /**
   * A new policy version of {@code dataset}; unless {@code mayLoosen}, only if no rule is looser:
   * see {@link dev.cleanroom.CleanRoom#tightenPolicy} and {@link
   * dev.cleanroom.CleanRoom#loosenPolicy}.
   */
  DatasetVersion changePolicy(String dataset, Policy policy, boolean mayLoosen) {
    Objects.requireNonNull(policy, "policy");
    DatasetVersion v;
    Dataset next;
    List<String> loosened;
    synchronized (lifecycle) {
      Dataset current = registered(dataset);
      next = current.withPolicy(policy);
      loosened = PolicyChanges.loosenings(current, current.policy(), policy);
      if (!mayLoosen && !loosened.isEmpty()) {
        throw new IllegalArgumentException(
            "the policy is looser than the current one of "
                + dataset
                + " ("
                + String.join("; ", loosened)
                + "); only the owner's explicit new version (loosenPolicy) may loosen it");
      }
      DatasetVersion old = versions.get(dataset);
      v = new DatasetVersion(dataset, old.data(), old.policy() + 1, PolicyChanges.hash(next));
      datasets.put(dataset, next);
      versions.put(dataset, v);
    }
    changed.accept(
        next,
        "policy version "
            + v.policy()
            + (loosened.isEmpty()
                ? " (tightening)"
                : " (loosens: " + String.join("; ", loosened) + ")"));
    return v;
  }

  /** Removes {@code dataset} from new queries; its ledger base stays with its data. */
  void retire(String dataset) {
    Dataset d;
    synchronized (lifecycle) {
      d = registered(dataset);
      datasets.remove(dataset);
      versions.remove(dataset);
      ledgerBases.remove(dataset);
    }
    changed.accept(d, "retired");
  }

  /**
   * {@code owner.name@version:hash} of the current policy version of each of {@code names} that is
   * registered, in the order given, each once; names of no registered dataset are left out.
   */
  List<String> policyVersions(List<String> names) {
    List<String> out = new ArrayList<>();
    for (String n : new LinkedHashSet<>(names)) {
      DatasetVersion v = versions.get(n);
      if (v != null) {
        out.add(n + "@" + v.policy() + ":" + v.policyHash());
      }
    }
    return out;
  }

  /** The current version of {@code dataset}. */
  DatasetVersion version(String dataset) {
    Objects.requireNonNull(dataset, "dataset");
    DatasetVersion v = versions.get(dataset);
    if (v == null) {
      throw new IllegalArgumentException("no dataset " + dataset + " is registered");
    }
    return v;
  }

  /** The registered dataset {@code name}; call under {@link #lifecycle}. */
  private Dataset registered(String name) {
    Objects.requireNonNull(name, "dataset");
    Dataset d = datasets.get(name);
    if (d == null) {
      throw new IllegalArgumentException("no dataset " + name + " is registered");
    }
    return d;
  }

  /**
   * Fails the registration of a dataset whose source cannot be read as its schema declares ({@link
   * DataSource#check()}), with the source's own message; an adapter's other exception becomes a
   * {@link DataSourceException} naming only its class, since its message may hold data.
   */
  private static void check(Dataset dataset) {
    DataSource source = dataset.source();
    try {
      source.check();
    } catch (DataSourceException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new DataSourceException(
          source.name(), "check failed (" + e.getClass().getSimpleName() + ")", null);
    }
  }
}
