package dev.cleanroom.state;

import static java.nio.charset.StandardCharsets.US_ASCII;

import dev.cleanroom.internal.journal.JournalFile;
import dev.cleanroom.internal.journal.JournalFormat;
import dev.cleanroom.spi.StateRecord;
import dev.cleanroom.spi.StateStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The built-in {@link StateStore}s: in memory (the default: a restarted room starts empty) and an
 * append-only journal file, in the same framed, checksummed format as the budget journal: a record
 * that returns has been forced to disk, a torn last record (a crash mid-write) is dropped when the
 * file is opened, and damage before the last record refuses to open.
 */
public final class StateStores {
  private static final Logger log = LoggerFactory.getLogger(StateStores.class);
  private static final byte[] HEADER = "cleanroom state journal v1\n".getBytes(US_ASCII);

  private StateStores() {}

  /**
   * A store that keeps its records in memory only.
   *
   * @return a new, empty store
   */
  public static StateStore inMemory() {
    return new Memory();
  }

  /**
   * A store in an append-only journal file, created if missing, locked against a second opener (in
   * this JVM or another process) and replayed when opened.
   *
   * @param file the journal file; its directory must exist
   * @return the store, holding the file's records
   * @throws IllegalArgumentException if the directory does not exist or {@code file} is a directory
   * @throws IllegalStateException if the file is open elsewhere, is not a state journal, or is
   *     damaged before its last record
   * @throws java.io.UncheckedIOException if the file cannot be read, written or locked
   */
  public static StateStore journal(Path file) {
    Objects.requireNonNull(file, "file");
    List<StateRecord> records = new ArrayList<>();
    JournalFile journal =
        JournalFile.open(
            "state journal", HEADER, file, log, payload -> records.add(decode(payload)));
    return new Journal(journal, records);
  }

  private static byte[] encode(StateRecord r) {
    return (r.kind() + " " + r.body()).getBytes(US_ASCII);
  }

  private static StateRecord decode(byte[] payload) {
    String s = new String(payload, US_ASCII);
    int space = s.indexOf(' ');
    if (space < 0) {
      throw new IllegalArgumentException("a state record has no kind");
    }
    return new StateRecord(s.substring(0, space), s.substring(space + 1));
  }

  private static final class Memory implements StateStore {
    private final List<StateRecord> records = new ArrayList<>();
    private boolean closed;

    @Override
    public synchronized void append(StateRecord record) {
      Objects.requireNonNull(record, "record");
      if (closed) {
        throw new IllegalStateException("the state store is closed");
      }
      records.add(record);
    }

    @Override
    public synchronized List<StateRecord> records() {
      return List.copyOf(records);
    }

    @Override
    public synchronized void close() {
      closed = true;
    }

    @Override
    public String toString() {
      return "StateStores.inMemory()";
    }
  }

  private static final class Journal implements StateStore {
    private final JournalFile journal;
    private final List<StateRecord> records;

    Journal(JournalFile journal, List<StateRecord> records) {
      this.journal = journal;
      this.records = records;
    }

    @Override
    public synchronized void append(StateRecord record) {
      Objects.requireNonNull(record, "record");
      journal.append(JournalFormat.frame(encode(record)));
      records.add(record);
    }

    @Override
    public synchronized List<StateRecord> records() {
      journal.checkUsable();
      return List.copyOf(records);
    }

    @Override
    public synchronized void close() {
      journal.close();
    }

    @Override
    public String toString() {
      return "StateStores.journal(...)";
    }
  }
}
