package dev.cleanroom.budget;

import static dev.cleanroom.budget.BudgetTesting.assertSpent;
import static dev.cleanroom.budget.BudgetTesting.eps;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.spi.BudgetStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Only one store holds a journal at a time, in this JVM or across processes. */
class JournalLockTest {
  @TempDir Path dir;

  @Test
  void secondOpenInThisJvm_fails_untilTheFirstIsClosed() {
    Path file = dir.resolve("j.journal");
    BudgetStore first = BudgetStores.journal(file);
    first.charge(List.of(eps("x", "0.25", "1")));
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> BudgetStores.journal(file));
    assertTrue(e.getMessage().contains("already open in this JVM"), e.getMessage());
    // The refused opener did not disturb the holder.
    first.charge(List.of(eps("x", "0.25", "1")));
    first.close();
    try (BudgetStore second = BudgetStores.journal(file)) {
      assertSpent(second, "x", "0.5", "0");
    }
  }

  @Test
  void secondOpenThroughAnotherPath_fails() throws IOException {
    Path file = dir.resolve("j.journal");
    try (BudgetStore first = BudgetStores.journal(file)) {
      Path sub = Files.createDirectory(dir.resolve("sub"));
      List<Path> aliases = new ArrayList<>();
      aliases.add(sub.resolve("..").resolve("j.journal"));
      aliases.add(dir.resolve(".").resolve("j.journal"));
      aliases.add(Files.createLink(dir.resolve("hard.journal"), file));
      try {
        aliases.add(Files.createSymbolicLink(dir.resolve("soft.journal"), file));
      } catch (UnsupportedOperationException | IOException noSymlinks) {
        // Not every file system allows symbolic links; the other aliases still count.
      }
      for (Path alias : aliases) {
        IllegalStateException e =
            assertThrows(
                IllegalStateException.class, () -> BudgetStores.journal(alias), alias::toString);
        assertTrue(e.getMessage().contains("already open"), e.getMessage());
      }
      first.charge(List.of(eps("x", "0.5", "1")));
      assertSpent(first, "x", "0.5", "0");
    }
  }

  @Test
  void anotherProcess_isRefused_whileOpen_andMayUseItAfterClose() throws Exception {
    Path file = dir.resolve("j.journal");
    BudgetStore holder = BudgetStores.journal(file);
    // A failed open in this JVM must not drop the lock either (POSIX locks are per process).
    assertThrows(IllegalStateException.class, () -> BudgetStores.journal(file));

    Probe refused = probe(file);
    assertEquals(JournalLockProbe.REFUSED, refused.exitCode, refused.output);
    assertTrue(refused.output.contains("locked by another process"), refused.output);
    holder.charge(List.of(eps("x", "0.5", "1")));
    holder.close();

    Probe allowed = probe(file);
    assertEquals(0, allowed.exitCode, allowed.output);
    assertTrue(allowed.output.contains("charged"), allowed.output);
    try (BudgetStore reopened = BudgetStores.journal(file)) {
      assertSpent(reopened, "x", "0.5", "0");
      assertSpent(reopened, "probe", "0.5", "0");
    }
  }

  @Test
  void interruptedCaller_stillCharges_keepsItsInterrupt_andLeavesTheStoreUsable() {
    Path file = dir.resolve("j.journal");
    try (BudgetStore store = BudgetStores.journal(file)) {
      Thread.currentThread().interrupt();
      try {
        store.charge(List.of(eps("x", "0.25", "1")));
        assertTrue(Thread.currentThread().isInterrupted(), "interrupt status kept");
      } finally {
        Thread.interrupted();
      }
      store.charge(List.of(eps("x", "0.25", "1")));
      assertSpent(store, "x", "0.5", "0");
    }
    try (BudgetStore reopened = BudgetStores.journal(file)) {
      assertSpent(reopened, "x", "0.5", "0");
    }
  }

  @Test
  void closedJournal_releasesItsLock_andRejectsCalls() {
    Path file = dir.resolve("j.journal");
    BudgetStore store = BudgetStores.journal(file);
    store.close();
    assertThrows(IllegalStateException.class, () -> store.spent("x"));
    try (BudgetStore again = BudgetStores.journal(file)) {
      assertFalse(again.toString().isEmpty());
    }
  }

  private record Probe(int exitCode, String output) {}

  private static Probe probe(Path file) throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p =
        new ProcessBuilder(
                java.toString(),
                "-cp",
                System.getProperty("java.class.path"),
                JournalLockProbe.class.getName(),
                file.toString())
            .redirectErrorStream(true)
            .start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "probe finished");
    String output = new String(p.getInputStream().readAllBytes(), UTF_8);
    return new Probe(p.exitValue(), output);
  }
}
