package dev.cleanroom.budget;

import dev.cleanroom.internal.journal.JournalFile;
import dev.cleanroom.internal.journal.JournalFormat;
import dev.cleanroom.spi.BudgetStore;
import dev.cleanroom.spi.LedgerCharge;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link BudgetStore} backed by an append-only journal file in {@link JournalFormat}. Made by
 * {@link BudgetStores#journal(Path)}; see there for the guarantees.
 *
 * <p>Concurrency: one lock guards the ledgers and the file's end. A charge checks, writes its one
 * record, forces it to disk and only then adds to the ledgers, all under that lock, so racing
 * threads never overspend and a charge that returns is durable. Writes and forces run on a private
 * single thread that is never interrupted: an interrupt of a caller would otherwise close the
 * {@link java.nio.channels.FileChannel} (and drop the file lock) for every user of the store. The
 * caller waits for that thread uninterruptibly and keeps its interrupt status.
 *
 * <p>Failure: if a write or force fails, whether the record reached the disk is unknown, so the
 * store refuses every later call with {@link IllegalStateException}. Reopening the file replays
 * what did reach the disk (a torn last record is dropped). A charge that failed this way was never
 * reported as successful, so no result was released for it; if its record did reach the disk it
 * counts as spent, which errs against the analyst, never against privacy.
 */
final class JournalBudgetStore implements BudgetStore {
  private static final Logger log = LoggerFactory.getLogger(JournalBudgetStore.class);

  private final Path file;

  private final Object lock = new Object();

  // Guarded by lock.
  private final JournalFile journal;

  // Guarded by lock.
  private final BudgetLedgers ledgers;

  private JournalBudgetStore(Path file, JournalFile journal, BudgetLedgers ledgers) {
    this.file = file;
    this.journal = journal;
    this.ledgers = ledgers;
  }

  /**
   * Opens or creates the journal at {@code file}, locks it and replays it.
   *
   * @throws NullPointerException if {@code file} is null
   * @throws IllegalArgumentException if the parent directory does not exist or {@code file} is a
   *     directory
   * @throws IllegalStateException if the journal is open elsewhere (this JVM or another process),
   *     is not a budget journal, or is damaged before its last record
   * @throws UncheckedIOException if the file cannot be read, written or locked
   */
  static JournalBudgetStore open(Path file) {
    BudgetLedgers ledgers = new BudgetLedgers();
    JournalFile journal =
        JournalFile.open(
            "budget journal",
            JournalFormat.HEADER,
            file,
            log,
            payload -> {
              if (JournalFormat.isBinding(payload)) {
                JournalFormat.Binding b = JournalFormat.decodeBinding(payload);
                ledgers.bind(b.key(), b.value());
                return;
              }
              for (JournalFormat.Entry entry : JournalFormat.decode(payload)) {
                ledgers.add(entry.ledger(), entry.epsilon(), entry.delta());
              }
            });
    return new JournalBudgetStore(file, journal, ledgers);
  }

  @Override
  public List<LedgerCharge.Spent> charge(List<LedgerCharge> charges) {
    synchronized (lock) {
      journal.checkUsable();
      List<LedgerCharge> copy = BudgetLedgers.validate(charges);
      ByteBuffer record = JournalFormat.encode(copy);
      ledgers.check(copy);
      journal.append(record);
      return ledgers.apply(copy);
    }
  }

  @Override
  public LedgerCharge.Spent spent(String ledger) {
    Objects.requireNonNull(ledger, "ledger");
    synchronized (lock) {
      journal.checkUsable();
      return ledgers.spent(ledger);
    }
  }

  /** Binds {@code key} with one record, forced to disk before it returns, unless it is bound. */
  @Override
  public String bind(String key, String value) {
    BudgetLedgers.checkBinding("key", key);
    BudgetLedgers.checkBinding("value", value);
    synchronized (lock) {
      journal.checkUsable();
      String bound = ledgers.bound(key);
      if (bound != null) {
        return bound;
      }
      journal.append(JournalFormat.encode(new JournalFormat.Binding(key, value)));
      return ledgers.bind(key, value);
    }
  }

  /**
   * Stops the writer thread, releases the file lock and closes the file; idempotent. Every
   * successful charge was already forced to disk, so nothing is lost.
   *
   * @throws UncheckedIOException if closing the file fails (the store is closed anyway)
   */
  @Override
  public void close() {
    synchronized (lock) {
      journal.close();
    }
  }

  @Override
  public String toString() {
    return "BudgetStores.journal(" + file + ")";
  }
}
