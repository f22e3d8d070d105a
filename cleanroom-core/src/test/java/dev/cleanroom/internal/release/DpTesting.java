package dev.cleanroom.internal.release;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cleanroom.BudgetPeriod;
import dev.cleanroom.CleanRoom;
import dev.cleanroom.Column;
import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import dev.cleanroom.PrivacyBudget;
import dev.cleanroom.Schema;
import dev.cleanroom.SecretKey;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.budget.BudgetStores;
import dev.cleanroom.source.InMemorySource;
import dev.cleanroom.spi.AuditEvent;
import dev.cleanroom.spi.AuditSink;
import dev.cleanroom.spi.BudgetStore;
import dev.cleanroom.spi.DataSource;
import dev.cleanroom.spi.Scan;
import dev.cleanroom.spi.ScanRequest;
import dev.cleanroom.spi.SourceCapabilities;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Shared fixtures of the engine's differential-privacy tests: people-per-country sources that count
 * their scans, policies with and without a DP requirement, a recording audit sink, a settable
 * clock.
 *
 * <p>Every dataset built here has the columns {@code user_id} (RAW string), {@code country}
 * (dimension), {@code day} (LONG dimension, 0..6) and {@code spend} (metric clamped to [0, 10]).
 * Person {@code i} of a country has exactly one row, with {@code day = i % 7} and {@code spend = i
 * % 11}, so every group's true count and sum are known in closed form ({@link #trueSum}).
 */
public final class DpTesting {
  private DpTesting() {}

  static final String ANALYST = "analyst";
  static final Instant NOW = Instant.parse("2024-05-01T12:00:00Z");
  static final Schema SCHEMA =
      Schema.of(
          Column.string("user_id"),
          Column.string("country"),
          Column.int64("day"),
          Column.float64("spend"));
  static final double SPEND_LOWER = 0;
  static final double SPEND_UPPER = 10;

  /** How the engine splits budgets: 34 significant digits, rounded down. */
  static final MathContext DOWN = new MathContext(34, RoundingMode.FLOOR);

  static BigDecimal d(String s) {
    return new BigDecimal(s);
  }

  /** Asserts numeric equality of two decimals (scale ignored), showing both on failure. */
  static void assertAmount(String expected, BigDecimal actual) {
    assertEquals(
        0,
        d(expected).compareTo(actual),
        () -> "expected " + expected + " but was " + actual.toPlainString());
  }

  /** The ledger the engine charges for {@code dataset} and the analyst in {@code period}. */
  static String ledger(String dataset, String period) {
    return dataset + "/" + ANALYST + "/" + period;
  }

  /** The true sum of the clamped spend of the first {@code people} persons of a country. */
  static double trueSum(int people) {
    double s = 0;
    for (int i = 0; i < people; i++) {
      s += spendOf(i);
    }
    return s;
  }

  static double spendOf(int person) {
    return person % 11;
  }

  /**
   * An in-memory source with {@code sizes.get(c)} persons in country {@code c}; user ids are unique
   * per source unless {@code idPrefix} is shared (for joins).
   */
  static InMemorySource people(String name, String idPrefix, Map<String, Integer> sizes) {
    InMemorySource.Builder b = InMemorySource.builder(name, SCHEMA);
    for (Map.Entry<String, Integer> e : sizes.entrySet()) {
      for (int i = 0; i < e.getValue(); i++) {
        b.addRow(idPrefix + e.getKey() + "_" + i, e.getKey(), (long) (i % 7), spendOf(i));
      }
    }
    return b.build();
  }

  /** The sizes {@code country -> persons} in the order given. */
  static Map<String, Integer> sizes(Object... countryAndSize) {
    Map<String, Integer> m = new LinkedHashMap<>();
    for (int i = 0; i < countryAndSize.length; i += 2) {
      m.put((String) countryAndSize[i], (Integer) countryAndSize[i + 1]);
    }
    return m;
  }

  /** A policy open to {@link #ANALYST}, joinable on user_id, k=2, without a DP requirement. */
  static Policy plainPolicy() {
    return Policy.builder()
        .allowAnalysts(ANALYST)
        .allowJoinOn("user_id")
        .minDistinctUsers(2)
        .build();
  }

  /** As {@link #plainPolicy()}, but requiring DP with the given total, cap and period. */
  static Policy dpPolicy(PrivacyBudget total, double cap, BudgetPeriod period) {
    return Policy.builder()
        .allowAnalysts(ANALYST)
        .allowJoinOn("user_id")
        .minDistinctUsers(2)
        .differentialPrivacy(total, cap)
        .budgetPeriod(period)
        .build();
  }

  /** As {@link #plainPolicy()}, but requiring pure ε-DP with the given total, with no period. */
  static Policy dpPolicy(double totalEpsilon, double cap) {
    return dpPolicy(PrivacyBudget.epsilon(totalEpsilon), cap, BudgetPeriod.NONE);
  }

  /** The dataset {@code owner.name} over {@code source}. */
  static Dataset dataset(String owner, String name, DataSource source, Policy policy) {
    return Dataset.builder(owner, name)
        .source(source)
        .userId("user_id", UserIdFormat.RAW)
        .dimensions("country", "day")
        .metric("spend", SPEND_LOWER, SPEND_UPPER)
        .policy(policy)
        .build();
  }

  /** A room with a fixed key, the given store, clock and audit sink. */
  static CleanRoom room(BudgetStore store, Clock clock, AuditSink audit) {
    return CleanRoom.builder()
        .secretKey(SecretKey.of("dp-test-key-0123456789abcdef".getBytes(StandardCharsets.UTF_8)))
        .budgetStore(store)
        .clock(clock)
        .auditSink(audit)
        .build();
  }

  /** A room with an in-memory store, the fixed clock {@link #NOW} and a discarding audit sink. */
  static CleanRoom room(BudgetStore store) {
    return room(store, Clock.fixed(NOW, ZoneOffset.UTC), new RecordingAudit());
  }

  /** A fresh in-memory budget store. */
  static BudgetStore memory() {
    return BudgetStores.inMemory();
  }

  /**
   * A source that delegates to another, counts its scans, can hide the delegate's version and can
   * fail every scan.
   */
  static final class TestSource implements DataSource {
    private final DataSource delegate;
    private final boolean versioned;
    private final RuntimeException failure;
    private final AtomicInteger scans = new AtomicInteger();

    private TestSource(DataSource delegate, boolean versioned, RuntimeException failure) {
      this.delegate = delegate;
      this.versioned = versioned;
      this.failure = failure;
    }

    /** Keeps the delegate's version, so identical queries are answered from the stored answer. */
    static TestSource versioned(DataSource delegate) {
      return new TestSource(delegate, true, null);
    }

    /** Reports no version, so every query is charged and noised afresh. */
    static TestSource unversioned(DataSource delegate) {
      return new TestSource(delegate, false, null);
    }

    /** Throws {@code failure} from every scan (after counting it). */
    static TestSource failing(DataSource delegate, RuntimeException failure) {
      return new TestSource(delegate, false, failure);
    }

    /** How often {@link #scan} was called. */
    int scans() {
      return scans.get();
    }

    @Override
    public String name() {
      return delegate.name();
    }

    @Override
    public Schema schema() {
      return delegate.schema();
    }

    @Override
    public Optional<String> version() {
      return versioned ? delegate.version() : Optional.empty();
    }

    @Override
    public SourceCapabilities capabilities() {
      return delegate.capabilities();
    }

    @Override
    public Scan scan(ScanRequest request) {
      scans.incrementAndGet();
      if (failure != null) {
        throw failure;
      }
      return delegate.scan(request);
    }
  }

  /** An audit sink that keeps every event, safe for several threads. */
  static final class RecordingAudit implements AuditSink {
    private final List<AuditEvent> events = new CopyOnWriteArrayList<>();

    @Override
    public void record(AuditEvent event) {
      events.add(event);
    }

    List<AuditEvent> events() {
      return new ArrayList<>(events);
    }

    AuditEvent last() {
      return events.get(events.size() - 1);
    }

    long count(AuditEvent.Outcome outcome) {
      return events.stream().filter(e -> e.outcome() == outcome).count();
    }
  }

  /** A clock whose instant the test sets; UTC. */
  public static final class MutableClock extends Clock {
    private volatile Instant now;

    public MutableClock(Instant now) {
      this.now = now;
    }

    public void set(Instant instant) {
      now = instant;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException("the test clock is UTC only");
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
