package dev.cleanroom.state;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.budget.SharedDatabase;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * The second host of {@link SharedStateProcessTest}: a room over the shared stores in a PostgreSQL
 * schema, driven by commands, one per line:
 *
 * <ul>
 *   <li>{@code allButOne <analyst> <epoch millis>}: at that instant runs "everyone but one person"
 *       for the analyst; prints {@code released <rows>}.
 *   <li>{@code quit}: exits.
 * </ul>
 */
public final class SharedStateWorker {
  private SharedStateWorker() {}

  /** Takes the PostgreSQL schema and the visits file; the server comes from the environment. */
  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, true, UTF_8);
    try (CleanRoom room =
        SharedStateRooms.host(SharedDatabase.postgresDataSource(args[0]), Path.of(args[1]))) {
      out.println("ready");
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, UTF_8));
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        String[] f = line.split(" ");
        if (f[0].equals("quit")) {
          return;
        }
        waitUntil(Long.parseLong(f[2]));
        out.println("released " + SharedStateRooms.allButOne(room, f[1]).run().size());
      }
    }
  }

  /** Sleeps until the epoch millisecond {@code at}. */
  static void waitUntil(long at) throws InterruptedException {
    long wait = at - System.currentTimeMillis();
    if (wait > 0) {
      Thread.sleep(wait);
    }
  }
}
