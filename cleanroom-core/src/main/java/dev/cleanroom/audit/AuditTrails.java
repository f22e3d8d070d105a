package dev.cleanroom.audit;

import dev.cleanroom.spi.AuditRecord;
import dev.cleanroom.spi.AuditTrail;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Built-in {@link AuditTrail}s: {@link #inMemory()} for tests and short-lived rooms, {@link
 * #journal(Path)} for a trail that must survive restarts and crashes, {@link #jdbc(DataSource)} for
 * one chain that the processes of a room on several machines share.
 *
 * <p>All chain every event with SHA-256: a record's hash covers the previous record's hash, its own
 * index and a canonical, length-prefixed encoding of every field of the event (never its {@code
 * toString()}). Records are chained in the order their {@link AuditTrail#record} calls complete;
 * calls from many threads are serialized by one lock per trail (for {@link #jdbc(DataSource)}: a
 * row lock in the database, which serializes the calls of every process). {@link
 * AuditTrail#verify()} reports the first bad record: {@code REMOVED} (an index is skipped), {@code
 * REORDERED} (a record stands at another record's place), {@code ALTERED} (a hash or a link does
 * not match) or {@code TRUNCATED} (records up to the head the trail knows, or an anchor kept
 * elsewhere, are gone). Truncation of a whole tail while no head is kept elsewhere is detectable
 * only against such an anchor: keep {@link AuditTrail#head()} with each data owner.
 */
public final class AuditTrails {
  private AuditTrails() {}

  /**
   * A trail that keeps its records in memory.
   *
   * @return a new, empty trail
   */
  public static AuditTrail inMemory() {
    return AuditChain.inMemory();
  }

  /**
   * A durable trail in the append-only journal {@code file}, created if missing.
   *
   * <p>The file has the framing of the budget journal ({@link
   * dev.cleanroom.budget.BudgetStores#journal(Path)}): a header ({@code "cleanroom audit journal
   * v1\n"}), then one record per event, {@code [0xF9][length][payload][CRC32C]}, where the payload
   * is the canonical encoding of the event, the previous hash and the hash. Each {@link
   * AuditTrail#record} appends one record and forces it to disk before returning, so a room's query
   * returns only after its audit record is durable.
   *
   * <p>Opening replays and verifies the whole chain. A torn last record (a crash during a write) is
   * dropped with one WARN line, as in the budget journal: its query had not returned. Damage or a
   * broken chain before the last record makes opening fail and leaves the file untouched. {@link
   * AuditTrail#verify()} and {@link AuditTrail#records()} read the file again, so changes made to
   * it behind the trail's back are found. The file is locked exclusively until {@link
   * AuditTrail#close()}; the same assumptions as for the budget journal apply.
   *
   * @param file the journal; its parent directory must exist
   * @return an open trail holding the file's lock
   * @throws NullPointerException if {@code file} is null
   * @throws IllegalArgumentException if the parent directory does not exist or {@code file} is a
   *     directory
   * @throws IllegalStateException if the journal is already open or locked, is not an audit
   *     journal, is damaged before its last record or its chain is broken
   * @throws java.io.UncheckedIOException if the file cannot be created, read, written or locked
   */
  public static AuditTrail journal(Path file) {
    return AuditTrailJournal.open(file);
  }

  /**
   * A trail in the tables {@code cleanroom_audit} and {@code cleanroom_audit_head} of {@code
   * dataSource}; see {@link #jdbc(DataSource, String)}.
   *
   * @param dataSource the database, e.g. a connection pool over PostgreSQL
   * @return an open trail over the tables, created if absent
   * @throws NullPointerException if {@code dataSource} is null
   * @throws IllegalStateException if the stored chain is broken
   * @throws java.io.UncheckedIOException if the database cannot be reached or a table cannot be
   *     created
   */
  public static AuditTrail jdbc(DataSource dataSource) {
    return jdbc(dataSource, "cleanroom_audit");
  }

  /**
   * A trail in two database tables, created if absent, that any number of processes (on any number
   * of machines) may open at once: their records form one chain. Made for PostgreSQL; H2 works too.
   *
   * <p><b>Tables.</b> {@code table(idx BIGINT PRIMARY KEY, payload BYTEA NOT NULL)} ({@code
   * VARBINARY} on other databases) holds one row per record: its index and the same bytes an audit
   * journal record holds, the canonical encoding of the event followed by the previous hash and the
   * hash. {@code table_head(id INT PRIMARY KEY, records BIGINT NOT NULL, hash VARCHAR(64) NOT
   * NULL)} holds one row, {@code id = 1}: the number of records and the last hash.
   *
   * <p><b>One chain for many processes.</b> {@link AuditTrail#record} runs one transaction: {@code
   * SELECT ... FOR UPDATE} on the head row, link the event after the head, insert its row, update
   * the head, {@code COMMIT}. The lock on the head row makes the appends of all processes one
   * sequence, and the chain's order is the order of {@code idx}. A record returns after its commit.
   * A serialization failure or deadlock (SQL state {@code 40001} or {@code 40P01}) runs the
   * transaction again, up to 20 times.
   *
   * <p><b>Verification.</b> Opening reads and verifies the stored chain and refuses a broken one,
   * as the journal does. {@link AuditTrail#records()} and {@link AuditTrail#head()} read the
   * database now: every process's records and the shared head. {@link AuditTrail#verify()} reads
   * the head row, then the records ordered by {@code idx}, and checks the chain (indexes, links,
   * hashes) against the head row and against the longest head this trail object has written or
   * read, so rows deleted or changed behind its back are found; a row whose payload cannot be
   * decoded ends the readable chain there (reported as {@code TRUNCATED}). Who can rewrite both the
   * rows and the head row can forge a shorter chain: keep {@link AuditTrail#head()} with each data
   * owner and check it with {@link AuditTrail#verify(AuditTrail.Head)}, or use {@link #verify(List,
   * Optional)} on an export.
   *
   * <p><b>Failures.</b> A database error throws {@link java.io.UncheckedIOException} whose message
   * names the table and gives the SQL state and vendor code only. {@link AuditTrail#close()} only
   * makes the trail refuse further calls; the data source is the caller's.
   *
   * @param dataSource the database, e.g. a connection pool over PostgreSQL
   * @param table the records' table: {@code [schema.]name} in lower-case letters, digits and
   *     underscores, not starting with a digit, the name at most 58 characters (the head table adds
   *     {@code _head})
   * @return an open trail over the tables, created if absent
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code table} is not such a name
   * @throws IllegalStateException if the stored chain is broken
   * @throws java.io.UncheckedIOException if the database cannot be reached or a table cannot be
   *     created
   */
  public static AuditTrail jdbc(DataSource dataSource, String table) {
    return AuditTrailJdbc.open(dataSource, table);
  }

  /**
   * Verifies a copy of a trail's records held elsewhere, e.g. an export.
   *
   * @param records the records, oldest first
   * @param anchor the head the trail had when the caller last saw it, if known: records up to it
   *     must still be there
   * @return ok, or the first bad record and why
   * @throws NullPointerException if an argument is null
   */
  public static AuditTrail.Verification verify(
      List<AuditRecord> records, Optional<AuditTrail.Head> anchor) {
    Objects.requireNonNull(records, "records");
    Objects.requireNonNull(anchor, "anchor");
    return AuditChain.verify(List.copyOf(records), anchor);
  }
}
