package dev.cleanroom.internal.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.internal.room.CapturedLogs;
import dev.cleanroom.source.MalformedRows;
import dev.cleanroom.source.MalformedRows.Row;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The log of skipped rows that sources share: counting, the bounded list, the warning. */
class MalformedRowLogTest {
  private static final String LOGGER = "test.MalformedRowLogTest";

  private static MalformedRowLog log() {
    return new MalformedRowLog("src", LoggerFactory.getLogger(LOGGER));
  }

  private static List<String> warnings() {
    return CapturedLogs.linesOf(LOGGER).stream().filter(l -> l.startsWith("WARN ")).toList();
  }

  @Test
  void emptyLog_reportsNone() {
    assertEquals(MalformedRows.NONE, log().report());
    assertEquals(0, log().skippedRows());
  }

  @Test
  void tally_countsEverySkip_listsEachRowOnce_andWarnsOncePerScan() {
    CapturedLogs.clear();
    MalformedRowLog log = log();
    MalformedRowLog.Tally first = log.startScan();
    first.skip(7, "age", "r");
    first.skip(3, "", "s");
    assertEquals(2, log.skippedRows(), "visible while the scan runs");
    first.end();
    first.end();
    MalformedRowLog.Tally second = log.startScan();
    second.skip(3, "", "s");
    second.skip(3, "age", "r");
    second.end();
    MalformedRowLog.Tally none = log.startScan();
    none.end();

    assertEquals(4, log.skippedRows());
    assertEquals(
        new MalformedRows(
            4, List.of(new Row(3, "", "s"), new Row(3, "age", "r"), new Row(7, "age", "r")), false),
        log.report());
    assertEquals(
        List.of(
            "WARN " + LOGGER + " - skipped 2 malformed rows of src",
            "WARN " + LOGGER + " - skipped 2 malformed rows of src"),
        warnings());
  }

  @Test
  void list_keepsTheLowestHundredPositions_inAnyOrderOfArrival() {
    List<Long> positions = new ArrayList<>();
    for (long p = 1; p <= 500; p++) {
      positions.add(p);
    }
    Collections.shuffle(positions, new Random());
    MalformedRowLog log = log();
    MalformedRowLog.Tally tally = log.startScan();
    for (long p : positions) {
      tally.skip(p, "c", "r");
    }
    MalformedRows report = log.report();
    assertEquals(500, report.skippedRows());
    assertTrue(report.truncated());
    for (int i = 0; i < MalformedRows.MAX_ROWS; i++) {
      assertEquals(i + 1, report.rows().get(i).position());
    }
  }

  @Test
  void exactlyAHundredDistinctRows_areNotTruncated_evenWhenRepeated() {
    MalformedRowLog log = log();
    for (int scan = 0; scan < 3; scan++) {
      MalformedRowLog.Tally tally = log.startScan();
      for (long p = 1; p <= MalformedRows.MAX_ROWS; p++) {
        tally.skip(p, "c", "r");
      }
    }
    MalformedRows report = log.report();
    assertEquals(300, report.skippedRows());
    assertEquals(MalformedRows.MAX_ROWS, report.rows().size());
    assertFalse(report.truncated());
  }

  @Test
  void concurrentScans_loseNoSkip() throws Exception {
    MalformedRowLog log = log();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> scans = new ArrayList<>();
      for (int s = 0; s < 4; s++) {
        scans.add(
            pool.submit(
                () -> {
                  MalformedRowLog.Tally tally = log.startScan();
                  for (long p = 1; p <= 1000; p++) {
                    tally.skip(p, "c", "r");
                  }
                  tally.end();
                }));
      }
      for (Future<?> f : scans) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    MalformedRows report = log.report();
    assertEquals(4000, report.skippedRows());
    assertEquals(1, report.rows().get(0).position());
    assertEquals(MalformedRows.MAX_ROWS, report.rows().get(MalformedRows.MAX_ROWS - 1).position());
  }
}
