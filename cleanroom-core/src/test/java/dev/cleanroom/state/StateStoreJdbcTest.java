package dev.cleanroom.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.budget.SharedDatabase;
import dev.cleanroom.spi.StateRecord;
import dev.cleanroom.spi.StateStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link StateStores#jdbc}: one sequence of records for every store object over the tables, each
 * object told what the others appended, and {@link StateStore#exclusive} bodies that run one at a
 * time and keep their appends only if they return. On H2 and on PostgreSQL (skipped without a
 * server unless {@code CI=true}).
 */
class StateStoreJdbcTest {
  private static StateRecord rec(String kind, String body) {
    return new StateRecord(kind, body);
  }

  @ParameterizedTest
  @EnumSource(SharedDatabase.Kind.class)
  void twoStores_shareOneSequence_andEachHearsOnlyTheOthers(SharedDatabase.Kind kind)
      throws Exception {
    try (SharedDatabase db = kind.open();
        StateStore one = StateStores.jdbc(db.dataSource());
        StateStore two = StateStores.jdbc(db.dataSource())) {
      assertEquals(List.of(), one.records());
      assertEquals(List.of(), two.records());
      one.append(rec("template", "a"));
      two.append(rec("approval", "b"));
      one.append(rec("answer", "c"));
      List<StateRecord> all =
          List.of(rec("template", "a"), rec("approval", "b"), rec("answer", "c"));
      assertEquals(List.of(rec("approval", "b")), one.appendedElsewhere());
      assertEquals(List.of(), one.appendedElsewhere());
      assertEquals(List.of(rec("template", "a"), rec("answer", "c")), two.appendedElsewhere());
      // A store opened later reads everything, then only what others append after that.
      try (StateStore three = StateStores.jdbc(db.dataSource())) {
        assertEquals(all, three.records());
        assertEquals(List.of(), three.appendedElsewhere());
        two.append(rec("releases-v2", "d"));
        three.append(rec("template", "e"));
        assertEquals(List.of(rec("releases-v2", "d")), three.appendedElsewhere());
        assertEquals(
            List.of(rec("releases-v2", "d"), rec("template", "e")), one.appendedElsewhere());
      }
      // Bodies larger than a VARCHAR's usual limit are kept whole.
      String big = "x".repeat(2_000_000);
      one.append(rec("releases-v2", big));
      List<StateRecord> heard = two.appendedElsewhere();
      assertEquals(2, heard.size());
      assertEquals(rec("template", "e"), heard.get(0));
      // Compared without printing two million characters on a failure.
      assertTrue(rec("releases-v2", big).equals(heard.get(1)), "the large record came back whole");
    }
  }

  @ParameterizedTest
  @EnumSource(SharedDatabase.Kind.class)
  void exclusiveBody_keepsItsAppendsOnlyIfItReturns(SharedDatabase.Kind kind) throws Exception {
    try (SharedDatabase db = kind.open();
        StateStore one = StateStores.jdbc(db.dataSource());
        StateStore two = StateStores.jdbc(db.dataSource())) {
      one.records();
      two.records();
      String out =
          one.exclusive(
              () -> {
                one.append(rec("releases-v2", "kept"));
                return "done";
              });
      assertEquals("done", out);
      assertEquals(List.of(rec("releases-v2", "kept")), two.appendedElsewhere());
      IllegalStateException e =
          assertThrows(
              IllegalStateException.class,
              () ->
                  one.exclusive(
                      () -> {
                        one.append(rec("releases-v2", "dropped"));
                        throw new IllegalStateException("the release failed");
                      }));
      assertEquals("the release failed", e.getMessage());
      assertEquals(List.of(), two.appendedElsewhere());
      // The index the failed body took is free again, and the next record there is heard.
      two.append(rec("releases-v2", "next"));
      assertEquals(List.of(rec("releases-v2", "next")), one.appendedElsewhere());
      assertEquals(
          List.of(rec("releases-v2", "kept"), rec("releases-v2", "next")),
          StateStores.jdbc(db.dataSource()).records());
    }
  }

  @ParameterizedTest
  @EnumSource(SharedDatabase.Kind.class)
  void exclusiveBodies_ofManyStores_runOneAtATime(SharedDatabase.Kind kind) throws Exception {
    int stores = 8;
    int rounds = 10;
    try (SharedDatabase db = kind.open()) {
      AtomicInteger inside = new AtomicInteger();
      AtomicInteger most = new AtomicInteger();
      ExecutorService pool = Executors.newFixedThreadPool(stores);
      try {
        CyclicBarrier start = new CyclicBarrier(stores);
        List<Future<?>> done = new ArrayList<>();
        for (int s = 0; s < stores; s++) {
          int id = s;
          done.add(
              pool.submit(
                  () -> {
                    try (StateStore store = StateStores.jdbc(db.dataSource())) {
                      start.await(30, TimeUnit.SECONDS);
                      for (int r = 0; r < rounds; r++) {
                        int round = r;
                        store.exclusive(
                            () -> {
                              most.accumulateAndGet(inside.incrementAndGet(), Math::max);
                              store.append(rec("releases-v2", id + "-" + round));
                              sleep(2);
                              inside.decrementAndGet();
                              return null;
                            });
                      }
                    }
                    return null;
                  }));
        }
        for (Future<?> f : done) {
          f.get(120, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }
      assertEquals(1, most.get());
      assertEquals(stores * rounds, StateStores.jdbc(db.dataSource()).records().size());
    }
  }

  @Test
  void tableNames_areChecked_andAClosedStoreRefusesCalls() throws Exception {
    try (SharedDatabase db = SharedDatabase.h2()) {
      for (String bad : List.of("", "1abc", "a-b", "x;drop table y", "t".repeat(59))) {
        assertThrows(IllegalArgumentException.class, () -> StateStores.jdbc(db.dataSource(), bad));
      }
      StateStore store = StateStores.jdbc(db.dataSource(), "t".repeat(58));
      store.append(rec("template", "a"));
      store.close();
      store.close();
      assertThrows(IllegalStateException.class, () -> store.append(rec("template", "b")));
      assertThrows(IllegalStateException.class, store::records);
      assertThrows(IllegalStateException.class, store::appendedElsewhere);
      assertThrows(IllegalStateException.class, () -> store.exclusive(() -> 1));
      assertThrows(NullPointerException.class, () -> StateStores.jdbc(null));
      assertTrue(StateStores.jdbc(db.dataSource(), "t".repeat(58)).records().size() == 1);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
