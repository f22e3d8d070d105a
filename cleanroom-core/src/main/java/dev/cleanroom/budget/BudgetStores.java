package dev.cleanroom.budget;

import dev.cleanroom.spi.BudgetStore;
import java.nio.file.Path;
import javax.sql.DataSource;

/**
 * Built-in {@link BudgetStore}s: {@link #inMemory()} for tests and short-lived rooms, {@link
 * #journal(Path)} for budgets that must survive restarts and crashes, {@link #jdbc(DataSource)} for
 * one ledger that the processes of a room on several machines share.
 *
 * <p>All stores share these semantics:
 *
 * <ul>
 *   <li><b>Ledgers by name.</b> A ledger exists once charged; {@link BudgetStore#spent(String)}
 *       returns zeros for a ledger never charged. Limits are not stored: every charge carries the
 *       limits it is checked against ({@link dev.cleanroom.spi.LedgerCharge}).
 *   <li><b>Exact amounts.</b> Totals are {@link java.math.BigDecimal} sums without rounding, and
 *       limits are compared with {@link java.math.BigDecimal#compareTo}: ten charges of {@code 0.1}
 *       fit a limit of {@code 1.0} exactly, and a million charges of {@code 1e-12} spend exactly
 *       {@code 1e-6}. No amount ever passes through {@code double}.
 *   <li><b>All or nothing.</b> {@link BudgetStore#charge} first checks every ledger of the call
 *       ({@code spent + charge <= limit}, separately for ε and δ) and only then adds to all of
 *       them. If any ledger has too little left, it throws {@link
 *       dev.cleanroom.BudgetExhaustedException} for the first such ledger in list order, with the
 *       requested amounts and what is left ({@code limit - spent}, or zero if a limit was lowered
 *       below what is spent), and charges nothing.
 *   <li><b>Thread-safe.</b> One lock per store (for {@link #jdbc(DataSource)}: row locks in the
 *       database) makes a check and its additions a single step, so any number of threads racing
 *       for the last budget never overspend by even one charge.
 *   <li><b>Caller mistakes.</b> An empty list or a ledger named twice in one call throws {@link
 *       IllegalArgumentException}; null arguments throw {@link NullPointerException}. After {@link
 *       BudgetStore#close()} (which is idempotent) every call throws {@link IllegalStateException}.
 *   <li><b>Bindings.</b> {@link BudgetStore#bind} binds a key to a value once, as durably as a
 *       charge, and every store object over the same memory, file or table returns the first value.
 *       The engine binds each piece of data to the name and owner it was first registered under, so
 *       that its budgets stay with it across renames, restarts and hosts.
 *   <li><b>No data.</b> Messages and logs carry ledger names, amounts, file names and byte offsets,
 *       nothing else.
 * </ul>
 */
public final class BudgetStores {
  private BudgetStores() {}

  /**
   * A store that keeps its ledgers in memory; they are lost when the store is dropped or the JVM
   * exits. For tests, examples and rooms whose budget need not outlive the process.
   *
   * @return a new, empty, open store
   */
  public static BudgetStore inMemory() {
    return new BudgetStoreInMemory();
  }

  /**
   * A durable store backed by the append-only journal {@code file}, created if missing.
   *
   * <p><b>Durability.</b> Each successful charge appends exactly one record holding every ledger of
   * that charge, and forces it to the storage device ({@code FileChannel.force}, i.e. fsync) before
   * {@code charge} returns. A multi-ledger charge is therefore atomic on disk as well: after a
   * crash the whole record is there or none of it. Each charge costs one fsync (about 0.1 to a few
   * milliseconds on common disks), taken under the store's lock, so charges are serialized at disk
   * speed. A newly created file's directory is forced too where the platform supports it.
   *
   * <p><b>Format.</b> A 28-byte ASCII header ({@code "cleanroom budget journal v1\n"}), then
   * records of the form {@code [0xF9][payload length: int][payload][CRC32C of the preceding bytes
   * of the record: int]}, big-endian. The payload of a charge lists, per ledger, its name (UTF-8)
   * and the charged ε and δ as exact {@code BigDecimal} strings, each length-prefixed, after the
   * number of ledgers; the payload of a binding is a zero where that number stands, then its key
   * and its value (UTF-8), each length-prefixed. An engine older than bindings cannot read a
   * journal that holds one.
   *
   * <p><b>Recovery.</b> Opening replays every complete record. If the last record is torn (cut off
   * or with a wrong checksum, as a crash during a write leaves it), it is dropped and the file is
   * truncated to the end of the last good record, with one WARN log line; its charge had not
   * returned, so no result was released for it. A bad record that is followed by further good data,
   * or by more bytes than one record can hold, is damage in the middle: then opening fails and the
   * file is left untouched, since dropping good records would give budget back.
   *
   * <p><b>Exclusive use.</b> The store holds an exclusive {@link java.nio.channels.FileLock} on the
   * file until {@link BudgetStore#close()}; a second store on the same file, in this JVM (also via
   * another path, a symbolic or a hard link) or in another process, fails to open. Do not read or
   * copy the file through other channels in this JVM while the store is open: on POSIX systems,
   * closing any descriptor of a file releases all of the process's locks on it.
   *
   * <p><b>Failures.</b> If a write or fsync fails, whether the record reached the disk is unknown;
   * that {@code charge} throws {@link java.io.UncheckedIOException} and the store refuses every
   * later call with {@link IllegalStateException}. Close it and open the file again to continue
   * from what is on disk. An interrupted calling thread does not disturb the store: the file is
   * written by a private thread and the caller keeps its interrupt status.
   *
   * <p><b>Assumptions.</b> The file system honours fsync and advisory locks (local disks do; some
   * network file systems do not), and nothing else writes the file. Ledger names must be
   * well-formed Unicode (no unpaired surrogates) and one charge's names and amounts must fit in 1
   * MiB; otherwise {@code charge} throws {@link IllegalArgumentException} and charges nothing.
   *
   * @param file the journal; its parent directory must exist
   * @return an open store holding the file's lock, with every recovered charge replayed
   * @throws NullPointerException if {@code file} is null
   * @throws IllegalArgumentException if the parent directory of {@code file} does not exist or
   *     {@code file} is a directory
   * @throws IllegalStateException if the journal is already open in this JVM or locked by another
   *     process; if the file is not a budget journal (its header differs); or if it is damaged
   *     before its last record (the message gives the byte offset of the bad record)
   * @throws java.io.UncheckedIOException if the file cannot be created, read, written or locked
   */
  public static BudgetStore journal(Path file) {
    return JournalBudgetStore.open(file);
  }

  /**
   * A store in the table {@code cleanroom_ledger} of {@code dataSource}; see {@link
   * #jdbc(DataSource, String)}.
   *
   * @param dataSource the database, e.g. a connection pool over PostgreSQL
   * @return an open store over the table, created if absent
   * @throws NullPointerException if {@code dataSource} is null
   * @throws java.io.UncheckedIOException if the database cannot be reached or the table cannot be
   *     created
   */
  public static BudgetStore jdbc(DataSource dataSource) {
    return jdbc(dataSource, "cleanroom_ledger");
  }

  /**
   * A store in a database table, created if absent, that any number of processes (on any number of
   * machines) may open at once and charge together: they share every ledger. Made for PostgreSQL;
   * H2 works too.
   *
   * <p><b>Table.</b> {@code table(ledger VARCHAR PRIMARY KEY, epsilon VARCHAR NOT NULL, delta
   * VARCHAR NOT NULL)}: one row per ledger with its spent ε and δ as exact decimal strings ({@link
   * java.math.BigDecimal#toString()}, as the journal keeps them). Sums are made in Java, never by
   * the database, so they are exact whatever the database's numeric types do. A ledger's row
   * appears, holding zeros, at its first charge (also a refused one). Bindings ({@link
   * BudgetStore#bind}) live in a second table, {@code table_bindings(name VARCHAR PRIMARY KEY,
   * bound VARCHAR NOT NULL)}, created beside it: a binding is an insert unless the name has a row
   * ({@code ON CONFLICT DO NOTHING} on PostgreSQL), committed at once, then a read of the row, so
   * of racing processes the first insert wins.
   *
   * <p><b>Atomicity across processes.</b> A charge first inserts the missing rows (each committed
   * at once), then runs one transaction: {@code SELECT ... FOR UPDATE} on the rows of all its
   * ledgers in sorted name order (the same order in every process, so two charges never deadlock),
   * the all-or-nothing check, one {@code UPDATE} per ledger and {@code COMMIT}. A refused charge
   * rolls back. Row locks work at the default isolation level (read committed); under a stricter
   * one, a serialization failure or deadlock (SQL state {@code 40001} or {@code 40P01}) runs the
   * transaction again, up to 20 times. Every value is a bound parameter.
   *
   * <p><b>Durability.</b> A charge returns after its {@code COMMIT}; on PostgreSQL with the default
   * {@code synchronous_commit = on} it is then flushed to the write-ahead log.
   *
   * <p><b>Connections.</b> Each call takes a connection from {@code dataSource} and closes it
   * before returning, so a pooling data source keeps the cost down; the store never closes the data
   * source. {@link BudgetStore#close()} only makes the store refuse further calls.
   *
   * <p><b>Failures.</b> A database error throws {@link java.io.UncheckedIOException} whose message
   * names the table and gives the SQL state and vendor code only (a driver's message can echo
   * ledger names); nothing of that charge was committed, except when the {@code COMMIT} itself
   * failed: then the charge may have been made, which errs against the analyst, never against
   * privacy. The store stays usable. Ledger names must not contain the NUL character (PostgreSQL
   * refuses it in text) and must fit the primary-key index (about 2,700 bytes on PostgreSQL).
   *
   * @param dataSource the database, e.g. a connection pool over PostgreSQL
   * @param table the table: {@code [schema.]name} in lower-case letters, digits and underscores,
   *     not starting with a digit, the schema at most 63 characters and the name at most 54 (so
   *     that the bindings' table's name fits in 63)
   * @return an open store over the table, created if absent
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code table} is not such a name
   * @throws java.io.UncheckedIOException if the database cannot be reached or the table cannot be
   *     created
   */
  public static BudgetStore jdbc(DataSource dataSource, String table) {
    return JdbcBudgetStore.open(dataSource, table);
  }
}
