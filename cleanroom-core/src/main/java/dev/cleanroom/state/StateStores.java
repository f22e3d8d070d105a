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
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The built-in {@link StateStore}s: in memory (the default: a restarted room starts empty), tables
 * of a database that the rooms of several hosts share ({@link #jdbc(DataSource)}), and an
 * append-only journal file, in the same framed, checksummed format as the budget journal: a record
 * that returns has been forced to disk, a torn last record (a crash mid-write) is dropped when the
 * file is opened, and damage before the last record refuses to open.
 */
public final class StateStores {
  private static final Logger log = LoggerFactory.getLogger(StateStores.class);
  private static final byte[] HEADER = "cleanroom state journal v1\n".getBytes(US_ASCII);

  /**
   * The largest record of a state journal, 256 MiB: a threshold release keeps its rows' people in
   * one record (about 11 bytes a person) and a stored DP answer its rows in one, so the budget
   * journal's 1 MiB failed a release of about 98,000 people.
   */
  private static final int MAX_RECORD_BYTES = 256 << 20;

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
   * this JVM or another process) and replayed when opened. One record (the rows a threshold release
   * kept, with their people; a stored DP answer) holds at most 256 MiB.
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
            "state journal",
            HEADER,
            file,
            log,
            payload -> records.add(decode(payload)),
            MAX_RECORD_BYTES);
    return new Journal(journal, records);
  }

  /**
   * A store in the table {@code cleanroom_state} of {@code dataSource}; see {@link
   * #jdbc(DataSource, String)}.
   *
   * @param dataSource the database, e.g. a connection pool over PostgreSQL
   * @return an open store over the tables, created if absent
   * @throws NullPointerException if {@code dataSource} is null
   * @throws java.io.UncheckedIOException if the database cannot be reached or a table cannot be
   *     created
   */
  public static StateStore jdbc(DataSource dataSource) {
    return jdbc(dataSource, "cleanroom_state");
  }

  /**
   * A store in database tables, created if absent, that the rooms of any number of processes (on
   * any number of machines) share: each room sees the templates, approvals, stored answers and
   * released rows of the others. Made for PostgreSQL; H2 works too.
   *
   * <p><b>Tables.</b> {@code table(idx BIGINT PRIMARY KEY, origin VARCHAR(36), kind VARCHAR(32),
   * body TEXT)} ({@code CLOB} on H2), one row per record (its origin: a random id of the store
   * object that appended it), and {@code table_head(id INT PRIMARY KEY, records BIGINT)}, one row:
   * the number of records. An append locks the head row ({@code SELECT ... FOR UPDATE}), inserts
   * its record at the next index and moves the head, in one transaction, so the records of every
   * process form one sequence, in the order of their commits. Every value is a bound parameter.
   *
   * <p><b>Difference checks across hosts.</b> {@link StateStore#exclusive} holds the head row's
   * lock while a room reads the rows that other rooms released since it last looked ({@link
   * StateStore#appendedElsewhere()}), checks its own release against all of them and appends the
   * rows it keeps; those appends commit with the lock's transaction. So the threshold releases of
   * all hosts run one at a time, each compared with every release before it, and two hosts cannot
   * both release rows that differ by fewer than k people. A room also reads what other rooms
   * appended before each query, so templates, approvals and stored answers registered on one host
   * serve on the others.
   *
   * <p><b>Failures.</b> A database error throws {@link java.io.UncheckedIOException} whose message
   * names the table and gives the SQL state and vendor code only; a failed release keeps nothing
   * and releases nothing. {@link StateStore#close()} only makes the store refuse further calls; the
   * data source stays open.
   *
   * @param dataSource the database, e.g. a connection pool over PostgreSQL
   * @param table the records' table: {@code [schema.]name} in lower-case letters, digits and
   *     underscores, not starting with a digit, the schema at most 63 characters and the name at
   *     most 58 (so that the head table's name fits in 63)
   * @return an open store over the tables, created if absent
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code table} is not such a name
   * @throws java.io.UncheckedIOException if the database cannot be reached or a table cannot be
   *     created
   */
  public static StateStore jdbc(DataSource dataSource, String table) {
    return StateStoreJdbc.open(dataSource, table);
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
      journal.append(JournalFormat.frame(encode(record), MAX_RECORD_BYTES));
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
