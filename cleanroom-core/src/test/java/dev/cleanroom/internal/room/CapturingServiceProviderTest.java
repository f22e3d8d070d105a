package dev.cleanroom.internal.room;

import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.Column;
import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import dev.cleanroom.PolicyViolationException;
import dev.cleanroom.QueryFailedException;
import dev.cleanroom.Schema;
import dev.cleanroom.SecretKey;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.audit.AuditSinks;
import dev.cleanroom.query.Result;
import dev.cleanroom.source.CsvSource;
import dev.cleanroom.source.InMemorySource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.slf4j.MarkerFactory;

class CapturingServiceProviderTest {
  private static final Logger log = LoggerFactory.getLogger("dev.cleanroom.privacy.test");

  @BeforeEach
  void clear() {
    CapturedLogs.clear();
  }

  @Test
  void provider_isTheBoundSlf4jProvider() {
    assertInstanceOf(CapturingLoggerFactory.class, LoggerFactory.getILoggerFactory());
    assertInstanceOf(CapturingLogger.class, log);
  }

  @Test
  void everyLevel_isCapturedWithFormattedArguments() {
    log.trace("trace {} and {}", 1, "two");
    log.debug("debug {}", 3.5);
    log.info("info {} {} {}", "a", "b", "c");
    log.warn("warn {}", List.of(1, 2));
    log.error("error without arguments");
    assertEquals(
        List.of(
            "TRACE dev.cleanroom.privacy.test - trace 1 and two",
            "DEBUG dev.cleanroom.privacy.test - debug 3.5",
            "INFO dev.cleanroom.privacy.test - info a b c",
            "WARN dev.cleanroom.privacy.test - warn [1, 2]",
            "ERROR dev.cleanroom.privacy.test - error without arguments"),
        CapturedLogs.lines());
  }

  @Test
  void throwables_areCapturedWithTheirWholeCauseChain() {
    IllegalStateException inner = new IllegalStateException("inner detail");
    RuntimeException outer = new RuntimeException("outer detail", inner);
    outer.addSuppressed(new IllegalArgumentException("suppressed detail"));
    log.error("failed", outer);
    log.warn("failed {} times", 2, new RuntimeException("trailing argument"));
    log.info("no placeholder for {}", "x", new RuntimeException("third", inner));
    List<String> lines = CapturedLogs.lines();
    assertEquals(3, lines.size());
    assertTrue(
        lines.get(0).startsWith("ERROR dev.cleanroom.privacy.test - failed | thrown: "),
        lines.get(0));
    assertTrue(lines.get(0).contains("java.lang.RuntimeException: outer detail"), lines.get(0));
    assertTrue(lines.get(0).contains("suppressed detail"), lines.get(0));
    assertTrue(lines.get(0).contains("caused by: java.lang.IllegalStateException: inner detail"));
    assertTrue(
        lines.get(1).startsWith("WARN dev.cleanroom.privacy.test - failed 2 times | thrown"));
    assertTrue(lines.get(1).contains("trailing argument"), lines.get(1));
    assertTrue(lines.get(2).contains("no placeholder for x"), lines.get(2));
    assertTrue(lines.get(2).contains("third") && lines.get(2).contains("inner detail"));
  }

  @Test
  void fluentApi_markers_andMdc_areCaptured() {
    MDC.put("requestId", "r-17");
    try {
      log.atInfo()
          .addMarker(MarkerFactory.getMarker("AUDIT"))
          .addKeyValue("user", "kv-value")
          .setCause(new IllegalStateException("fluent cause"))
          .log("fluent {}", "message");
      log.debug(MarkerFactory.getMarker("PLAN"), "marked {}", 7);
    } finally {
      MDC.remove("requestId");
    }
    List<String> lines = CapturedLogs.lines();
    assertEquals(2, lines.size());
    String fluent = lines.get(0);
    assertTrue(fluent.startsWith("INFO dev.cleanroom.privacy.test - fluent message"), fluent);
    assertTrue(fluent.contains("AUDIT"), fluent);
    assertTrue(fluent.contains("user=kv-value"), fluent);
    assertTrue(fluent.contains("r-17"), fluent);
    assertTrue(fluent.contains("fluent cause"), fluent);
    assertTrue(lines.get(1).contains("marked 7") && lines.get(1).contains("PLAN"), lines.get(1));
  }

  @Test
  void buffer_isThreadSafe_andClearable() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int thread = t;
        futures.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 500; i++) {
                    log.info("thread {} line {}", thread, i);
                  }
                }));
      }
      for (Future<?> f : futures) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(8 * 500, CapturedLogs.lines().size());
    CapturedLogs.clear();
    assertEquals(List.of(), CapturedLogs.lines());
  }

  @Test
  void defaultAuditSink_linesAreCaptured() {
    InMemorySource source =
        InMemorySource.ofRecords(
            "people",
            Person.class,
            List.of(
                new Person("a@example.com", "DE"),
                new Person("b@example.com", "DE"),
                new Person("c@example.com", "FR")));
    CleanRoom room = CleanRoom.builder().secretKey(SecretKey.random()).build();
    room.register(
        Dataset.builder("pub", "people")
            .source(source)
            .userId("email", UserIdFormat.EMAIL)
            .dimension("country")
            .policy(Policy.builder().allowAnalysts("analyst").minDistinctUsers(2).build())
            .build());
    CapturedLogs.clear();
    Result result = room.as("analyst").from("pub.people").select(countDistinctUsers()).run();
    assertThrows(
        PolicyViolationException.class,
        () -> room.as("intruder").from("pub.people").select(countDistinctUsers()).run());

    List<String> audit = CapturedLogs.linesOf(AuditSinks.LOGGER_NAME);
    assertEquals(2, audit.size(), audit.toString());
    assertTrue(audit.get(0).startsWith("INFO dev.cleanroom.audit - query " + result.queryId()));
    assertTrue(audit.get(0).contains("by analyst on [pub.people]"), audit.get(0));
    assertTrue(audit.get(0).endsWith("ACCEPTED"), audit.get(0));
    assertTrue(audit.get(1).contains("by intruder"), audit.get(1));
    // The reason says why, without data values.
    assertTrue(audit.get(1).contains("REFUSED (ANALYST_ALLOWED) - "), audit.get(1));
    assertTrue(audit.get(1).contains("intruder"), audit.get(1));
    assertFalse(audit.get(1).contains("@example.com"), audit.get(1));
  }

  /**
   * An incident's details reach the default audit sink's log line when the owner registered no sink
   * of its own: the file and what went wrong, never a value.
   */
  @Test
  void incidentReason_isLoggedByTheDefaultSink(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("people.csv");
    StringBuilder csv = new StringBuilder("email,country\n");
    for (int i = 0; i < 5; i++) {
      csv.append("p").append(i).append("@example.com,DE\n");
    }
    Files.writeString(file, csv);
    CleanRoom room = CleanRoom.builder().secretKey(SecretKey.random()).build();
    room.register(
        Dataset.builder("pub", "people")
            .source(CsvSource.of(file, Schema.of(Column.string("email"), Column.string("country"))))
            .userId("email", UserIdFormat.EMAIL)
            .dimension("country")
            .policy(Policy.builder().allowAnalysts("analyst").minDistinctUsers(2).build())
            .build());
    Files.delete(file);
    CapturedLogs.clear();
    QueryFailedException e =
        assertThrows(
            QueryFailedException.class,
            () -> room.as("analyst").from("pub.people").select(countDistinctUsers()).run());
    List<String> audit = CapturedLogs.linesOf(AuditSinks.LOGGER_NAME);
    assertEquals(1, audit.size(), audit.toString());
    assertTrue(audit.get(0).contains("incident " + e.incidentId() + " - "), audit.get(0));
    assertTrue(audit.get(0).contains("people.csv"), audit.get(0));
    assertFalse(audit.get(0).contains("@example.com"), audit.get(0));
  }

  /** A row of the audit test's dataset. */
  public record Person(String email, String country) {}
}
