package dev.cleanroom.state;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.budget.SharedDatabase;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two host processes share one PostgreSQL state store: this JVM and a second one running {@link
 * SharedStateWorker}. For each analyst, at one common instant, this process asks "everyone" and the
 * other "everyone but one person": exactly one of the pair is released, every time. Skipped without
 * a PostgreSQL server unless {@code CI=true}.
 */
class SharedStateProcessTest {
  /** How far ahead a round's common start lies, so that both processes are waiting for it. */
  private static final long LEAD_MILLIS = 300;

  @TempDir Path dir;

  @Test
  void differencingPairRacingInTwoProcesses_releasesOneOfThePairEveryTime() throws Exception {
    try (SharedDatabase db = SharedDatabase.postgres()) {
      Path csv = SharedStateRooms.visits(dir);
      try (CleanRoom room = SharedStateRooms.host(db.dataSource(), csv)) {
        Process worker = start(db.schema(), csv);
        try {
          BufferedReader from =
              new BufferedReader(new InputStreamReader(worker.getInputStream(), UTF_8));
          PrintStream to = new PrintStream(worker.getOutputStream(), true, UTF_8);
          assertEquals("ready", from.readLine());
          for (int i = 0; i < SharedStateRooms.ANALYSTS; i++) {
            String analyst = "a" + i;
            long startAt = System.currentTimeMillis() + LEAD_MILLIS;
            to.println("allButOne " + analyst + " " + startAt);
            SharedStateWorker.waitUntil(startAt);
            int here = SharedStateRooms.everyone(room, analyst).run().size();
            String[] there = from.readLine().split(" ");
            assertEquals("released", there[0]);
            assertEquals(1, here + Integer.parseInt(there[1]), "analyst " + analyst);
          }
          to.println("quit");
          assertTrue(worker.waitFor(60, TimeUnit.SECONDS));
          assertEquals(0, worker.exitValue());
        } finally {
          worker.destroy();
        }
      }
    }
  }

  private static Process start(String schema, Path csv) throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    return new ProcessBuilder(
            java.toString(),
            "-cp",
            System.getProperty("java.class.path"),
            SharedStateWorker.class.getName(),
            schema,
            csv.toString())
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
  }
}
