package dev.cleanroom.internal.room;

import static dev.cleanroom.internal.room.AdFixture.ANALYST;
import static dev.cleanroom.internal.room.AdFixture.CONVERSIONS;
import static dev.cleanroom.internal.room.AdFixture.CRM;
import static dev.cleanroom.internal.room.AdFixture.IMPRESSIONS;
import static dev.cleanroom.query.Dsl.col;
import static dev.cleanroom.query.Dsl.count;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static dev.cleanroom.query.Dsl.sum;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.Column;
import dev.cleanroom.DataSourceException;
import dev.cleanroom.Dataset;
import dev.cleanroom.InvalidQueryException;
import dev.cleanroom.Policy;
import dev.cleanroom.PolicyRule;
import dev.cleanroom.PolicyViolationException;
import dev.cleanroom.QueryFailedException;
import dev.cleanroom.Schema;
import dev.cleanroom.SecretKey;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.engine.CleanRoomProvider;
import dev.cleanroom.engine.QueryEngine;
import dev.cleanroom.query.FinalStage;
import dev.cleanroom.query.Result;
import dev.cleanroom.query.ResultRow;
import dev.cleanroom.source.InMemorySource;
import dev.cleanroom.spi.AuditEvent;
import dev.cleanroom.spi.ColumnBatch;
import dev.cleanroom.spi.DataSource;
import dev.cleanroom.spi.Scan;
import dev.cleanroom.spi.ScanRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RoomTest {
  private final AdFixture f = new AdFixture();

  private static Dataset small(String owner, String name, String analyst, int people) {
    InMemorySource.Builder b =
        InMemorySource.builder(name, Schema.of(Column.string("uid"), Column.string("g")));
    for (int u = 0; u < people; u++) {
      b.addRow("person" + u, "g" + (u % 2));
    }
    return Dataset.builder(owner, name)
        .source(b.build())
        .userId("uid")
        .dimension("g")
        .policy(
            Policy.builder()
                .allowAnalysts(analyst)
                .allowJoinOn("uid")
                .minDistinctUsers(2)
                .maxGroupsPerUser(10)
                .build())
        .build();
  }

  // ---- registry ----

  @Test
  void register_duplicate_isRejected() {
    Dataset again = small("publisher", "impressions", ANALYST, 3);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> f.room.register(again));
    assertTrue(e.getMessage().contains(IMPRESSIONS), e.getMessage());
    assertEquals(3, f.room.datasets().size());
    // the original dataset is still the one queried
    assertEquals(
        6L,
        f.room
            .as(ANALYST)
            .from(IMPRESSIONS)
            .select(countDistinctUsers())
            .run()
            .rows()
            .get(0)
            .getLong("distinct_users"));
  }

  @Test
  void register_null_isRejected() {
    assertThrows(NullPointerException.class, () -> f.room.register(null));
  }

  @Test
  void datasets_listsTheQualifiedNames_unmodifiable() {
    Set<String> names = f.room.datasets();
    assertEquals(Set.of(CONVERSIONS, CRM, IMPRESSIONS), names);
    assertThrows(UnsupportedOperationException.class, () -> names.add("x.y"));
    f.room.register(small("a", "b", ANALYST, 2));
    assertEquals(Set.of(CONVERSIONS, CRM, IMPRESSIONS, "a.b"), f.room.datasets());
  }

  @Test
  void unknownDataset_messageListsOnlyDatasetsOpenToTheAnalyst() {
    f.room.register(small("alice", "mine", "alice", 2));
    f.room.register(small("bob", "secret_project", "bob", 2));
    InvalidQueryException e =
        assertThrows(
            InvalidQueryException.class,
            () -> f.room.as("alice").from("nobody.nothing").select(count()).run());
    assertTrue(e.getMessage().contains("nobody.nothing"), e.getMessage());
    assertTrue(e.getMessage().contains("alice.mine"), e.getMessage());
    assertFalse(e.getMessage().contains("secret_project"), e.getMessage());
    assertFalse(e.getMessage().contains(IMPRESSIONS), e.getMessage());
    assertEquals(AuditEvent.Outcome.INVALID, f.audit.last().outcome());
  }

  @Test
  void unknownDataset_inExplain_isInvalid() {
    assertThrows(
        InvalidQueryException.class,
        () -> f.room.as(ANALYST).from("nobody.nothing").select(count()).explain());
    assertTrue(f.audit.events().isEmpty());
  }

  @Test
  void as_invalidPartyName_isRejected() {
    assertThrows(IllegalArgumentException.class, () -> f.room.as("not a name"));
    assertThrows(IllegalArgumentException.class, () -> f.room.as(""));
    assertThrows(NullPointerException.class, () -> f.room.as(null));
  }

  @Test
  void registeredDataset_isQueryableAtOnce() {
    f.room.register(small("late", "comer", ANALYST, 4));
    Result r =
        f.room.as(ANALYST).from("late.comer").groupBy("g").select(countDistinctUsers()).run();
    assertEquals(2, r.size());
  }

  // ---- engine discovery ----

  @Test
  void builder_findsTheEngineThroughServiceLoader() {
    CleanRoom room = CleanRoom.builder().build();
    assertEquals("dev.cleanroom.internal.room.Room", room.getClass().getName());
    assertInstanceOf(QueryEngine.class, room);
    assertTrue(room.datasets().isEmpty());
    List<CleanRoomProvider> providers = new ArrayList<>();
    ServiceLoader.load(CleanRoomProvider.class).forEach(providers::add);
    assertTrue(providers.stream().anyMatch(EngineProvider.class::isInstance), providers.toString());
  }

  @Test
  void toString_revealsNoKey() {
    byte[] key = "ROOM-KEY-MATERIAL-0123456789".getBytes(UTF_8);
    CleanRoom room = CleanRoom.builder().secretKey(SecretKey.of(key)).build();
    assertFalse(room.toString().contains("ROOM-KEY"), room.toString());
  }

  // ---- audit ----

  @Test
  void everyRun_recordsExactlyOneEvent_perOutcome() {
    FinalStage accepted = f.room.as(ANALYST).from(IMPRESSIONS).select(count());
    accepted.run();
    accepted.run();
    assertThrows(
        PolicyViolationException.class,
        () -> f.room.as("stranger").from(IMPRESSIONS).select(count()).run());
    assertThrows(
        InvalidQueryException.class,
        () -> f.room.as(ANALYST).from(IMPRESSIONS).groupBy("nope").select(count()).run());
    f.room.register(failingDataset(new IllegalStateException("SECRET-42")));
    assertThrows(
        QueryFailedException.class,
        () -> f.room.as(ANALYST).from("broken.source").select(count()).run());
    accepted.explain();
    f.room.as("stranger").from(IMPRESSIONS).select(count()).explain();

    assertEquals(5, f.audit.events().size());
    assertEquals(2, f.audit.count(AuditEvent.Outcome.ACCEPTED));
    assertEquals(1, f.audit.count(AuditEvent.Outcome.REFUSED));
    assertEquals(1, f.audit.count(AuditEvent.Outcome.INVALID));
    assertEquals(1, f.audit.count(AuditEvent.Outcome.FAILED));
    for (AuditEvent e : f.audit.events()) {
      assertEquals(e.outcome() == AuditEvent.Outcome.REFUSED, e.rule().isPresent(), e.toString());
      assertFalse(e.reason().contains("SECRET-42"), e.reason());
    }
  }

  @Test
  void auditEvent_describesTheRun_withoutValues() {
    Result r =
        f.room
            .as(ANALYST)
            .from(IMPRESSIONS)
            .join(CONVERSIONS)
            .onUserId()
            .where(col("campaign").eq("SECRET-CAMPAIGN"))
            .select(count())
            .run();
    AuditEvent e = f.audit.last();
    assertEquals(AuditEvent.Outcome.ACCEPTED, e.outcome());
    assertEquals(r.queryId(), e.queryId());
    assertEquals(ANALYST, e.analyst());
    assertEquals(List.of(IMPRESSIONS, CONVERSIONS), e.datasets());
    assertEquals(AdFixture.NOW, e.time());
    assertEquals(Optional.empty(), e.rule());
    assertEquals("", e.reason());
    assertFalse(e.toString().contains("SECRET-CAMPAIGN"), e.toString());
  }

  @Test
  void fingerprint_isEqualForEqualQueries_andDiffersWithLiterals() {
    FinalStage q1 =
        f.room.as(ANALYST).from(IMPRESSIONS).where(col("country").eq("DE")).select(count());
    FinalStage q2 =
        f.room.as(ANALYST).from(IMPRESSIONS).where(col("country").eq("FR")).select(count());
    q1.run();
    AuditEvent first = f.audit.last();
    q1.run();
    AuditEvent second = f.audit.last();
    q2.run();
    AuditEvent third = f.audit.last();
    assertEquals(first.fingerprint(), second.fingerprint());
    assertNotEquals(first.queryId(), second.queryId());
    assertNotEquals(first.fingerprint(), third.fingerprint());
    assertFalse(first.fingerprint().contains("DE"));
  }

  @Test
  void auditSinkFailure_failsTheQuery() {
    CleanRoom room =
        CleanRoom.builder()
            .auditSink(
                e -> {
                  throw new IllegalStateException("audit store down");
                })
            .build();
    room.register(small("o", "d", "a", 4));
    assertThrows(IllegalStateException.class, () -> room.as("a").from("o.d").select(count()).run());
  }

  // ---- failures ----

  private static Dataset failingDataset(RuntimeException failure) {
    Schema schema = Schema.of(Column.string("uid"), Column.string("g"));
    DataSource source =
        new DataSource() {
          @Override
          public String name() {
            return "broken-source";
          }

          @Override
          public Schema schema() {
            return schema;
          }

          @Override
          public Scan scan(ScanRequest request) {
            return new Scan() {
              @Override
              public Optional<ColumnBatch> next() {
                throw failure;
              }

              @Override
              public void close() {}
            };
          }
        };
    return Dataset.builder("broken", "source")
        .source(source)
        .userId("uid")
        .dimension("g")
        .policy(Policy.builder().allowAnalysts(ANALYST).minDistinctUsers(2).build())
        .build();
  }

  @Test
  void failingSource_isAQueryFailure_withoutTheUnderlyingMessage() {
    f.room.register(failingDataset(new IllegalStateException("SECRET-VALUE-42")));
    QueryFailedException e =
        assertThrows(
            QueryFailedException.class,
            () -> f.room.as(ANALYST).from("broken.source").select(count()).run());
    assertEquals("query failed; incident " + e.incidentId(), e.getMessage());
    AuditEvent event = f.audit.last();
    assertEquals(AuditEvent.Outcome.FAILED, event.outcome());
    assertEquals(Optional.of(e.incidentId()), event.incidentId());
    assertTrue(event.reason().contains("broken-source"), event.reason());
    assertFalse(event.reason().contains("SECRET-VALUE-42"), event.reason());
  }

  @Test
  void failingSource_dataSourceException_detailsGoToTheRoomsSink_whenTheOwnerHasNone() {
    DataSourceException original =
        new DataSourceException("broken-source", 7, "g", "bad quoting", null);
    f.room.register(failingDataset(original));
    QueryFailedException e =
        assertThrows(
            QueryFailedException.class,
            () -> f.room.as(ANALYST).from("broken.source").select(count()).run());
    assertNull(e.getCause());
    assertEquals(original.getMessage(), f.audit.last().reason());
    assertEquals(Optional.of(e.incidentId()), f.audit.last().incidentId());
  }

  @Test
  void malformedUserId_belongsToNoPerson_andTheQueryAnswers() {
    InMemorySource source =
        InMemorySource.builder("emails", Schema.of(Column.string("uid"), Column.string("g")))
            .addRow("good@example.com", "a")
            .addRow("other@example.com", "a")
            .addRow("SECRET-not-an-email", "a")
            .build();
    f.room.register(
        Dataset.builder("o", "emails")
            .source(source)
            .userId("uid", UserIdFormat.EMAIL)
            .dimension("g")
            .policy(Policy.builder().allowAnalysts(ANALYST).minDistinctUsers(2).build())
            .build());
    // The malformed row is dropped (on every path): a failure would tell whether the rows behind
    // a filter hold such an id.
    Result r = f.room.as(ANALYST).from("o.emails").select(count(), countDistinctUsers()).run();
    assertEquals(1, r.size());
    assertEquals(2L, r.rows().get(0).getLong("count"));
    assertEquals(2L, r.rows().get(0).getLong("distinct_users"));
    AuditEvent event = f.audit.last();
    assertEquals(AuditEvent.Outcome.ACCEPTED, event.outcome());
    assertFalse(event.reason().contains("SECRET"), event.reason());
  }

  /**
   * A source over {@code delegate} that counts closed scans and may answer every request with all
   * of its columns, as a misbehaving adapter would.
   */
  private static final class ClosingSource implements DataSource {
    private final InMemorySource delegate;
    private final boolean ignoreProjection;
    final AtomicInteger opened = new AtomicInteger();
    final AtomicInteger closed = new AtomicInteger();

    ClosingSource(InMemorySource delegate, boolean ignoreProjection) {
      this.delegate = delegate;
      this.ignoreProjection = ignoreProjection;
    }

    @Override
    public String name() {
      return "closing";
    }

    @Override
    public Schema schema() {
      return delegate.schema();
    }

    @Override
    public Scan scan(ScanRequest request) {
      opened.incrementAndGet();
      Scan scan =
          delegate.scan(ignoreProjection ? ScanRequest.of(delegate.schema().names()) : request);
      return new Scan() {
        @Override
        public Optional<ColumnBatch> next() {
          return scan.next();
        }

        @Override
        public void close() {
          closed.incrementAndGet();
          scan.close();
        }
      };
    }
  }

  private ClosingSource registerClosing(boolean ignoreProjection) {
    InMemorySource.Builder b =
        InMemorySource.builder(
            "rows", Schema.of(Column.string("uid"), Column.string("g"), Column.string("extra")));
    for (int u = 0; u < 4; u++) {
      b.addRow("person" + u, "g", "x");
    }
    ClosingSource source = new ClosingSource(b.build(), ignoreProjection);
    f.room.register(
        Dataset.builder("o", "closing")
            .source(source)
            .userId("uid")
            .dimension("g")
            .policy(Policy.builder().allowAnalysts(ANALYST).minDistinctUsers(2).build())
            .build());
    return source;
  }

  @Test
  void scans_areClosed_afterASuccessfulRun() {
    ClosingSource source = registerClosing(false);
    Result r = f.room.as(ANALYST).from("o.closing").groupBy("g").select(countDistinctUsers()).run();
    assertEquals(4L, r.rows().get(0).getLong("distinct_users"));
    assertEquals(1, source.opened.get());
    assertEquals(1, source.closed.get());
  }

  @Test
  void batchWithOtherColumnsThanRequested_failsTheQuery_andClosesTheScan() {
    ClosingSource source = registerClosing(true);
    assertThrows(
        QueryFailedException.class,
        () -> f.room.as(ANALYST).from("o.closing").groupBy("g").select(count()).run());
    assertTrue(f.audit.last().reason().startsWith("data source closing"), f.audit.last().reason());
    assertEquals(1, source.closed.get());
    assertEquals(AuditEvent.Outcome.FAILED, f.audit.last().outcome());
  }

  @Test
  void longUserIds_arePseudonymizedLikeTheirText() {
    InMemorySource.Builder longs =
        InMemorySource.builder("longs", Schema.of(Column.int64("uid"), Column.string("g")));
    InMemorySource.Builder texts =
        InMemorySource.builder("texts", Schema.of(Column.string("uid"), Column.string("g")));
    for (long u = 1; u <= 3; u++) {
      longs.addRow(u * 1_000_000_007L, "g");
      texts.addRow(" " + (u * 1_000_000_007L), "g");
    }
    Policy policy =
        Policy.builder().allowAnalysts(ANALYST).allowJoinOn("uid").minDistinctUsers(2).build();
    f.room.register(
        Dataset.builder("o", "longs")
            .source(longs.build())
            .userId("uid")
            .dimension("g")
            .policy(policy)
            .build());
    f.room.register(
        Dataset.builder("o", "texts")
            .source(texts.build())
            .userId("uid")
            .dimension("g")
            .policy(policy)
            .build());
    Result r =
        f.room
            .as(ANALYST)
            .from("o.longs")
            .join("o.texts")
            .onUserId()
            .select(countDistinctUsers())
            .run();
    assertEquals(3L, r.rows().get(0).getLong("distinct_users"));
  }

  // ---- concurrency ----

  @Test
  void concurrentQueries_whileRegistering_areConsistent() throws Exception {
    FinalStage base =
        f.room
            .as(ANALYST)
            .from(IMPRESSIONS)
            .join(CONVERSIONS)
            .onUserId()
            .groupBy("impressions.country")
            .select(countDistinctUsers(), count(), sum("value"));
    List<List<Object>> expected = values(base.run());
    assertFalse(expected.isEmpty());
    List<Dataset> toRegister = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      toRegister.add(small("reg", "ds" + i, ANALYST, 4));
    }

    int threads = 8;
    int iterations = 40;
    CountDownLatch start = new CountDownLatch(1);
    AtomicInteger runs = new AtomicInteger(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
    try {
      List<Future<?>> futures = new ArrayList<>();
      futures.add(
          pool.submit(
              (Callable<Void>)
                  () -> {
                    start.await();
                    for (Dataset d : toRegister) {
                      f.room.register(d);
                    }
                    return null;
                  }));
      for (int t = 0; t < threads; t++) {
        int offset = t;
        futures.add(
            pool.submit(
                (Callable<Void>)
                    () -> {
                      start.await();
                      for (int i = 0; i < iterations; i++) {
                        runs.incrementAndGet();
                        assertEquals(expected, values(base.run()));
                        String name = "reg.ds" + ((i * 7 + offset) % 50);
                        boolean registered = f.room.datasets().contains(name);
                        runs.incrementAndGet();
                        try {
                          Result r =
                              f.room
                                  .as(ANALYST)
                                  .from(name)
                                  .groupBy("g")
                                  .select(countDistinctUsers())
                                  .run();
                          assertEquals(List.of(List.of("g0", 2L), List.of("g1", 2L)), values(r));
                        } catch (InvalidQueryException e) {
                          assertFalse(registered, "a registered dataset was not found");
                        }
                      }
                      return null;
                    }));
      }
      start.countDown();
      for (Future<?> fut : futures) {
        fut.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(53, f.room.datasets().size());
    assertEquals(runs.get(), f.audit.events().size());
    assertEquals(
        runs.get(),
        f.audit.count(AuditEvent.Outcome.ACCEPTED) + f.audit.count(AuditEvent.Outcome.INVALID));
  }

  private static List<List<Object>> values(Result r) {
    List<List<Object>> out = new ArrayList<>();
    for (ResultRow row : r.rows()) {
      out.add(row.values());
    }
    return out;
  }

  @Test
  void refusal_namesTheFirstFailingDataset() {
    PolicyViolationException e =
        assertThrows(
            PolicyViolationException.class,
            () ->
                f.room
                    .as(ANALYST)
                    .from(IMPRESSIONS)
                    .join(CRM)
                    .onUserId()
                    .groupBy("segment")
                    .select(count())
                    .run());
    assertEquals(PolicyRule.JOIN_ALLOWED, e.rule());
    assertEquals(CRM, e.dataset());
  }
}
