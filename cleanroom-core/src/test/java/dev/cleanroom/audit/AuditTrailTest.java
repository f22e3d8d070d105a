package dev.cleanroom.audit;

import static dev.cleanroom.query.Dsl.count;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.Column;
import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import dev.cleanroom.PrivacyBudget;
import dev.cleanroom.Schema;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.source.InMemorySource;
import dev.cleanroom.spi.AuditEvent;
import dev.cleanroom.spi.AuditRecord;
import dev.cleanroom.spi.AuditTrail;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditTrailTest {
  @TempDir Path dir;

  private static void fill(AuditTrail t, int from, int to) {
    for (int i = from; i < to; i++) {
      t.record(AuditEvents.event(i));
    }
  }

  @Test
  void policyVersions_areChained_andEventsWithoutThemKeepTheFirstEncoding() {
    AuditEvent with = AuditEvents.event(0);
    AuditEvent without = AuditEvents.event(1);
    assertFalse(with.policyVersions().isEmpty());
    assertTrue(without.policyVersions().isEmpty());
    assertEquals(2, AuditFormat.canonical(0, with)[0]);
    assertEquals(1, AuditFormat.canonical(0, without)[0]);
    AuditRecord r = AuditFormat.link(0, with, AuditRecord.GENESIS);
    assertEquals(r, AuditFormat.decode(AuditFormat.payload(r)));
    AuditRecord edited = AuditEvents.edit(r, 13);
    assertFalse(AuditFormat.expectedHash(edited).equals(r.hash()));
  }

  @Test
  void emptyTrail_verifies_andHasTheGenesisHead() {
    AuditTrail t = AuditTrails.inMemory();
    assertTrue(t.verify().ok());
    assertEquals(new AuditTrail.Head(0, AuditRecord.GENESIS), t.head());
    assertEquals(List.of(), t.records());
  }

  @Test
  void records_chainEachToThePrevious() {
    AuditTrail t = AuditTrails.inMemory();
    fill(t, 0, 3);
    List<AuditRecord> r = t.records();
    assertEquals(AuditRecord.GENESIS, r.get(0).previousHash());
    assertEquals(r.get(0).hash(), r.get(1).previousHash());
    assertEquals(r.get(1).hash(), r.get(2).previousHash());
    assertEquals(new AuditTrail.Head(3, r.get(2).hash()), t.head());
    assertEquals(AuditEvents.event(1), r.get(1).event());
  }

  @Test
  void journal_survivesReopen_andContinuesTheChain() {
    Path file = dir.resolve("audit.journal");
    List<AuditRecord> before;
    AuditTrail.Head head;
    try (AuditTrail t = AuditTrails.journal(file)) {
      fill(t, 0, 5);
      before = t.records();
      head = t.head();
      assertTrue(t.verify().ok());
    }
    try (AuditTrail t = AuditTrails.journal(file)) {
      assertEquals(before, t.records());
      assertEquals(head, t.head());
      assertTrue(t.verify(head).ok());
      fill(t, 5, 7);
      assertEquals(7, t.records().size());
      assertTrue(t.verify().ok());
      assertTrue(t.verify(head).ok());
    }
  }

  @Test
  void journal_dropsATornLastRecord_onReopen() throws IOException {
    Path file = dir.resolve("torn.journal");
    AuditTrail.Head afterTwo;
    try (AuditTrail t = AuditTrails.journal(file)) {
      fill(t, 0, 2);
      afterTwo = t.head();
      fill(t, 2, 3);
    }
    long size = Files.size(file);
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength(size - 7); // a crash in the middle of the last write
    }
    try (AuditTrail t = AuditTrails.journal(file)) {
      assertEquals(afterTwo, t.head());
      assertEquals(2, t.records().size());
      assertTrue(t.verify().ok());
    }
  }

  @Test
  void journal_truncatedWhileOpen_failsVerification_asTruncated() throws IOException {
    Path file = dir.resolve("cut.journal");
    try (AuditTrail t = AuditTrails.journal(file)) {
      fill(t, 0, 4);
      long size = Files.size(file);
      try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
        raf.setLength(size - 1);
      }
      AuditTrail.Verification v = t.verify();
      assertFalse(v.ok());
      assertEquals(AuditTrail.Problem.TRUNCATED, v.failure().orElseThrow().problem());
      assertEquals(3, v.failure().orElseThrow().index());
    }
  }

  @Test
  void journal_withABrokenChainInTheMiddle_refusesToOpen() throws IOException {
    Path file = dir.resolve("broken.journal");
    Path donor = dir.resolve("donor.journal");
    try (AuditTrail t = AuditTrails.journal(file)) {
      fill(t, 0, 3);
    }
    try (AuditTrail t = AuditTrails.journal(donor)) {
      fill(t, 6, 9); // same sizes of fields, other values: well-formed records of another chain
    }
    byte[] good = Files.readAllBytes(file);
    byte[] other = Files.readAllBytes(donor);
    // Replace the whole first record (after the header) with the other chain's first record.
    int header = "cleanroom audit journal v1\n".length();
    int firstLength = 9 + java.nio.ByteBuffer.wrap(good, header + 1, 4).getInt();
    assertEquals(firstLength, 9 + java.nio.ByteBuffer.wrap(other, header + 1, 4).getInt());
    System.arraycopy(other, header, good, header, firstLength);
    Files.write(file, good);
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> AuditTrails.journal(file));
    assertTrue(e.getMessage().contains("broken chain at record"), e.getMessage());
    assertTrue(e.getMessage().contains("refusing to open"), e.getMessage());
  }

  @Test
  void journal_ofAnotherKind_isRefused() throws IOException {
    Path file = dir.resolve("budget.journal");
    Files.write(
        file, "cleanroom budget journal v1\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    assertThrows(IllegalStateException.class, () -> AuditTrails.journal(file));
  }

  @Test
  void journal_isExclusive_whileOpen() {
    Path file = dir.resolve("exclusive.journal");
    try (AuditTrail t = AuditTrails.journal(file)) {
      assertThrows(IllegalStateException.class, () -> AuditTrails.journal(file));
    }
    try (AuditTrail t = AuditTrails.journal(file)) {
      assertTrue(t.verify().ok());
    }
  }

  private static final Schema SCHEMA = Schema.of(Column.string("uid"), Column.string("g"));

  private static Dataset dataset(String owner, String name, Policy policy) {
    InMemorySource.Builder b = InMemorySource.builder(name + ".mem", SCHEMA);
    for (int i = 0; i < 40; i++) {
      b.addRow("u" + i, i % 2 == 0 ? "a" : "b");
    }
    return Dataset.builder(owner, name)
        .source(b.build())
        .userId("uid", UserIdFormat.RAW)
        .dimension("g")
        .policy(policy)
        .build();
  }

  private static Policy dp(String... analysts) {
    return Policy.builder()
        .allowAnalysts(analysts)
        .allowJoinOn("uid")
        .minDistinctUsers(2)
        .differentialPrivacy(PrivacyBudget.epsilon(100), 1.0)
        .build();
  }

  @Test
  void concurrentQueries_fromManyThreads_produceAValidChain() throws Exception {
    Path file = dir.resolve("concurrent.journal");
    int threads = 16;
    int perThread = 5;
    try (AuditTrail trail = AuditTrails.journal(file)) {
      CleanRoom room = CleanRoom.builder().auditSink(trail).build();
      room.register(dataset("pub", "imps", dp("an")));
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int seed = t;
        futures.add(
            pool.submit(
                () -> {
                  for (int q = 0; q < perThread; q++) {
                    // distinct ε per query, so that none is answered from the stored answers
                    room.as("an")
                        .from("pub.imps")
                        .select(countDistinctUsers())
                        .epsilon(0.01 + 0.001 * (seed * perThread + q))
                        .run();
                  }
                  return null;
                }));
      }
      for (Future<?> f : futures) {
        f.get(60, TimeUnit.SECONDS);
      }
      pool.shutdown();
      assertTrue(trail.verify().ok(), trail.verify().toString());
      List<AuditRecord> records = trail.records();
      assertEquals(threads * perThread, records.size());
      Set<String> ids = new HashSet<>();
      records.forEach(r -> ids.add(r.event().queryId()));
      assertEquals(threads * perThread, ids.size());
    }
    try (AuditTrail reopened = AuditTrails.journal(file)) {
      assertEquals(threads * perThread, reopened.records().size());
    }
  }

  @Test
  void epsilonCharged_listsEachOwnersDatasetsPerAnalyst_exactly() {
    AuditTrail trail = AuditTrails.inMemory();
    CleanRoom room = CleanRoom.builder().auditSink(trail).build();
    room.register(dataset("pub", "imps", dp("an", "other")));
    room.register(dataset("adv", "convs", dp("an")));
    for (int i = 0; i < 10; i++) {
      double epsilon =
          new BigDecimal("0.1")
              .add(new BigDecimal("0.001").multiply(BigDecimal.valueOf(i)))
              .doubleValue();
      room.as("an").from("pub.imps").select(count()).epsilon(epsilon).run();
    }
    room.as("other").from("pub.imps").select(count()).epsilon(0.3).run();
    room.as("an")
        .from("pub.imps")
        .join("adv.convs")
        .onUserId()
        .select(countDistinctUsers())
        .epsilon(0.7)
        .run();

    List<AuditTrail.Charged> pub = trail.epsilonCharged("pub");
    assertEquals(2, pub.size());
    assertEquals("pub.imps", pub.get(0).dataset());
    assertEquals("an", pub.get(0).analyst());
    // 10 x 0.1 + 0.045 (0.000 + 0.001 + ... + 0.009) + 0.7
    assertEquals(0, new BigDecimal("1.745").compareTo(pub.get(0).epsilon()), pub.toString());
    assertEquals(11, pub.get(0).queries());
    assertEquals("other", pub.get(1).analyst());
    assertEquals(0, new BigDecimal("0.3").compareTo(pub.get(1).epsilon()));
    assertEquals(0, BigDecimal.ZERO.compareTo(pub.get(1).delta()));

    List<AuditTrail.Charged> adv = trail.epsilonCharged("adv");
    assertEquals(1, adv.size());
    assertEquals(0, new BigDecimal("0.7").compareTo(adv.get(0).epsilon()));
    assertEquals(List.of(), trail.epsilonCharged("nobody"));

    AuditEvent join = trail.records().get(trail.records().size() - 1).event();
    assertEquals(2, join.charges().size());
    assertTrue(trail.verify().ok());
  }
}
