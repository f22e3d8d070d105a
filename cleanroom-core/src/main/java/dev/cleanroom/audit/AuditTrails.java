package dev.cleanroom.audit;

import dev.cleanroom.spi.AuditRecord;
import dev.cleanroom.spi.AuditTrail;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Built-in {@link AuditTrail}s: {@link #inMemory()} for tests and short-lived rooms, {@link
 * #journal(Path)} for a trail that must survive restarts and crashes.
 *
 * <p>Both chain every event with SHA-256: a record's hash covers the previous record's hash, its
 * own index and a canonical, length-prefixed encoding of every field of the event (never its {@code
 * toString()}). Records are chained in the order their {@link AuditTrail#record} calls complete;
 * calls from many threads are serialized by one lock per trail. {@link AuditTrail#verify()} reports
 * the first bad record: {@code REMOVED} (an index is skipped), {@code REORDERED} (a record stands
 * at another record's place), {@code ALTERED} (a hash or a link does not match) or {@code
 * TRUNCATED} (records up to the head the trail knows, or an anchor kept elsewhere, are gone).
 * Truncation of a whole tail while no head is kept elsewhere is detectable only against such an
 * anchor: keep {@link AuditTrail#head()} with each data owner.
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
