package dev.cleanroom.audit;

import dev.cleanroom.internal.journal.JournalFile;
import dev.cleanroom.internal.journal.JournalFormat;
import dev.cleanroom.spi.AuditRecord;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An audit trail in an append-only journal file: one {@link JournalFormat#frame framed} record per
 * event, whose payload is {@link AuditFormat#payload}. Made by {@link AuditTrails#journal(Path)};
 * see there for the guarantees.
 */
final class AuditTrailJournal extends AuditChain {
  private static final Logger log = LoggerFactory.getLogger(AuditTrailJournal.class);

  private final Path file;

  // Guarded by lock.
  private final JournalFile journal;

  private AuditTrailJournal(Path file, JournalFile journal, Head head) {
    super(head);
    this.file = file;
    this.journal = journal;
  }

  static AuditTrailJournal open(Path file) {
    List<AuditRecord> replayed = new ArrayList<>();
    JournalFile journal =
        JournalFile.open(
            "audit journal",
            AuditFormat.HEADER,
            file,
            log,
            payload -> replayed.add(AuditFormat.decode(payload)));
    Verification v = AuditChain.verify(replayed, Optional.empty());
    if (!v.ok()) {
      Failure f = v.failure().orElseThrow();
      journal.close();
      throw new IllegalStateException(
          "audit journal "
              + file
              + " has a broken chain at record "
              + f.index()
              + " ("
              + f.problem()
              + ": "
              + f.detail()
              + "); refusing to open it (restore it from a backup)");
    }
    return new AuditTrailJournal(file, journal, AuditChain.headOf(replayed));
  }

  @Override
  void store(AuditRecord record) {
    journal.append(JournalFormat.frame(AuditFormat.payload(record)));
  }

  @Override
  List<AuditRecord> stored() {
    List<AuditRecord> out = new ArrayList<>();
    for (byte[] payload : journal.readAll()) {
      try {
        out.add(AuditFormat.decode(payload));
      } catch (IllegalArgumentException e) {
        break; // unreadable from here on; verification reports the gap
      }
    }
    return out;
  }

  @Override
  public void close() {
    synchronized (lock) {
      journal.close();
    }
  }

  @Override
  public String toString() {
    return "AuditTrails.journal(" + file + ")";
  }
}
