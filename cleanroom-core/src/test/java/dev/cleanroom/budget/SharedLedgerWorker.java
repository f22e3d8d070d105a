package dev.cleanroom.budget;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.cleanroom.BudgetExhaustedException;
import dev.cleanroom.audit.AuditTrails;
import dev.cleanroom.spi.AuditEvent;
import dev.cleanroom.spi.AuditTrail;
import dev.cleanroom.spi.BudgetStore;
import dev.cleanroom.spi.LedgerCharge;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;

/**
 * One of the processes of {@link SharedLedgerProcessTest}: {@value #THREADS} threads on one budget
 * store and one audit trail over a PostgreSQL schema, driven by commands, one per line:
 *
 * <ul>
 *   <li>{@code charge <ledger> <epoch millis>}: at that instant every thread charges ε 0.1 against
 *       1.0 to the ledger; prints {@code charged <successes> <refusals> <errors>}.
 *   <li>{@code audit <analyst> <records per thread> <epoch millis>}: at that instant every thread
 *       records events; prints {@code audited <errors>}.
 *   <li>{@code verify}: prints {@code verified <ok> <records> <head hash>}.
 *   <li>{@code quit}: exits.
 * </ul>
 *
 * <p>Also used in the test's own process, through {@link #charge} and {@link #audit}, so that both
 * processes run the same code.
 */
public final class SharedLedgerWorker {
  /** Threads per process. */
  static final int THREADS = 32;

  static final BigDecimal TENTH = new BigDecimal("0.1");
  static final BigDecimal ONE = new BigDecimal("1.0");

  private SharedLedgerWorker() {}

  /** Takes the PostgreSQL schema; the server comes from the environment as in the tests. */
  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, true, UTF_8);
    DataSource ds = SharedDatabase.postgresDataSource(args[0]);
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try (BudgetStore store = BudgetStores.jdbc(ds);
        AuditTrail trail = AuditTrails.jdbc(ds)) {
      out.println("ready");
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, UTF_8));
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        String[] w = line.split(" ");
        switch (w[0]) {
          case "charge" -> {
            int[] r = charge(pool, store, w[1], Long.parseLong(w[2]));
            out.println("charged " + r[0] + " " + r[1] + " " + r[2]);
          }
          case "audit" -> {
            int errors = audit(pool, trail, w[1], Integer.parseInt(w[2]), Long.parseLong(w[3]));
            out.println("audited " + errors);
          }
          case "verify" -> {
            AuditTrail.Verification v = trail.verify();
            out.println("verified " + v.ok() + " " + v.records() + " " + trail.head().hash());
          }
          case "quit" -> {
            return;
          }
          default -> throw new IllegalArgumentException("unknown command " + w[0]);
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * {@value #THREADS} threads charge ε 0.1 against 1.0 to {@code ledger}, all starting at {@code
   * startAt}; returns successes, refusals ({@link BudgetExhaustedException}) and other errors.
   */
  static int[] charge(ExecutorService pool, BudgetStore store, String ledger, long startAt)
      throws Exception {
    List<LedgerCharge> charge =
        List.of(new LedgerCharge(ledger, TENTH, BigDecimal.ZERO, ONE, BigDecimal.ZERO));
    List<Callable<Integer>> tasks = new ArrayList<>();
    for (int i = 0; i < THREADS; i++) {
      tasks.add(
          () -> {
            waitUntil(startAt);
            try {
              store.charge(charge);
              return 0;
            } catch (BudgetExhaustedException e) {
              return 1;
            } catch (RuntimeException e) {
              e.printStackTrace();
              return 2;
            }
          });
    }
    int[] counts = new int[3];
    for (Future<Integer> f : pool.invokeAll(tasks, 120, TimeUnit.SECONDS)) {
      counts[f.get()]++;
    }
    return counts;
  }

  /**
   * {@value #THREADS} threads record {@code perThread} events each for {@code analyst}, all
   * starting at {@code startAt}; returns the number of failed records.
   */
  static int audit(
      ExecutorService pool, AuditTrail trail, String analyst, int perThread, long startAt)
      throws Exception {
    List<Callable<Integer>> tasks = new ArrayList<>();
    for (int i = 0; i < THREADS; i++) {
      int thread = i;
      tasks.add(
          () -> {
            waitUntil(startAt);
            int errors = 0;
            for (int k = 0; k < perThread; k++) {
              try {
                trail.record(event(analyst, thread, k));
              } catch (RuntimeException e) {
                e.printStackTrace();
                errors++;
              }
            }
            return errors;
          });
    }
    int errors = 0;
    for (Future<Integer> f : pool.invokeAll(tasks, 120, TimeUnit.SECONDS)) {
      errors += f.get();
    }
    return errors;
  }

  /** An accepted query of {@code analyst} that charged ε 0.1 to one ledger. */
  static AuditEvent event(String analyst, int thread, int k) {
    return new AuditEvent(
        Instant.now(),
        analyst + "-" + thread + "-" + k,
        analyst,
        List.of("pub.visits"),
        "f".repeat(64),
        AuditEvent.Outcome.ACCEPTED,
        Optional.empty(),
        "",
        List.of(
            new AuditEvent.Charge(
                "pub.visits/" + analyst, "pub.visits", "pub", TENTH, BigDecimal.ZERO)),
        Optional.empty());
  }

  private static void waitUntil(long epochMillis) throws InterruptedException {
    long wait = epochMillis - System.currentTimeMillis();
    if (wait > 0) {
      Thread.sleep(wait);
    }
  }
}
