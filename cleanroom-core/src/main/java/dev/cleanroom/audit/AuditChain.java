package dev.cleanroom.audit;

import dev.cleanroom.spi.AuditEvent;
import dev.cleanroom.spi.AuditRecord;
import dev.cleanroom.spi.AuditTrail;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The chain logic every built-in {@link AuditTrail} shares: appending under one lock, verification
 * and the per-owner listing of charged budget. Subclasses say where records are kept.
 */
abstract class AuditChain implements AuditTrail {
  /** Guards the head and the storage of the subclass. */
  final Object lock = new Object();

  // Guarded by lock.
  private Head head;

  AuditChain(Head head) {
    this.head = head;
  }

  /** Keeps {@code record}, durably where the trail is durable; called under {@link #lock}. */
  abstract void store(AuditRecord record);

  /** Every record as stored now; called under {@link #lock}. */
  abstract List<AuditRecord> stored();

  @Override
  public final void record(AuditEvent event) {
    Objects.requireNonNull(event, "event");
    synchronized (lock) {
      AuditRecord r = AuditFormat.link(head.records(), event, head.hash());
      store(r);
      head = new Head(r.index() + 1, r.hash());
    }
  }

  @Override
  public final List<AuditRecord> records() {
    synchronized (lock) {
      return List.copyOf(stored());
    }
  }

  @Override
  public final Head head() {
    synchronized (lock) {
      return head;
    }
  }

  @Override
  public final Verification verify() {
    synchronized (lock) {
      return verify(stored(), Optional.of(head));
    }
  }

  @Override
  public final Verification verify(Head anchor) {
    Objects.requireNonNull(anchor, "anchor");
    return verify(records(), Optional.of(anchor));
  }

  @Override
  public final List<Charged> epsilonCharged(String owner) {
    Objects.requireNonNull(owner, "owner");
    return charged(records(), owner);
  }

  /** The budget charged to the datasets of {@code owner} over {@code records}, summed exactly. */
  static List<Charged> charged(List<AuditRecord> records, String owner) {
    Map<List<String>, Charged> sums = new TreeMap<>(AuditChain::compareKeys);
    for (AuditRecord r : records) {
      for (AuditEvent.Charge c : r.event().charges()) {
        if (!c.owner().equals(owner)) {
          continue;
        }
        List<String> key = List.of(c.dataset(), r.event().analyst());
        Charged old =
            sums.getOrDefault(
                key,
                new Charged(c.dataset(), r.event().analyst(), BigDecimal.ZERO, BigDecimal.ZERO, 0));
        sums.put(
            key,
            new Charged(
                old.dataset(),
                old.analyst(),
                old.epsilon().add(c.epsilon()),
                old.delta().add(c.delta()),
                old.queries() + 1));
      }
    }
    return List.copyOf(sums.values());
  }

  private static int compareKeys(List<String> a, List<String> b) {
    int c = a.get(0).compareTo(b.get(0));
    return c != 0 ? c : a.get(1).compareTo(b.get(1));
  }

  /**
   * Verifies a list of records: each at its index, linked to the one before, with the hash of its
   * contents; and, given an anchor, still containing the anchor's record.
   */
  static Verification verify(List<AuditRecord> records, Optional<Head> anchor) {
    String previous = AuditRecord.GENESIS;
    int n = records.size();
    for (int i = 0; i < n; i++) {
      AuditRecord r = records.get(i);
      if (r.index() != i) {
        long expected = i;
        boolean later =
            records.subList(i + 1, n).stream().anyMatch(x -> x.index() == expected)
                || r.index() < i;
        return failed(
            n,
            i,
            later ? Problem.REORDERED : Problem.REMOVED,
            "the record at position " + i + " has index " + r.index());
      }
      if (!r.previousHash().equals(previous)) {
        return failed(n, i, Problem.ALTERED, "record " + i + " does not link to the record before");
      }
      if (!AuditFormat.expectedHash(r).equals(r.hash())) {
        return failed(n, i, Problem.ALTERED, "the hash of record " + i + " does not match it");
      }
      previous = r.hash();
    }
    if (anchor.isPresent()) {
      Head h = anchor.get();
      if (n < h.records()) {
        return failed(
            n,
            n,
            Problem.TRUNCATED,
            "the trail has " + n + " readable records; the known head has " + h.records());
      }
      String at =
          h.records() == 0 ? AuditRecord.GENESIS : records.get((int) h.records() - 1).hash();
      if (!at.equals(h.hash())) {
        return failed(
            n,
            Math.max(0, h.records() - 1),
            Problem.ALTERED,
            "record " + (h.records() - 1) + " is not the one the known head names");
      }
    }
    return new Verification(n, Optional.empty());
  }

  private static Verification failed(long n, long index, Problem problem, String detail) {
    return new Verification(n, Optional.of(new Failure(index, problem, detail)));
  }

  /** The head after {@code records}, which must be a verified chain. */
  static Head headOf(List<AuditRecord> records) {
    return records.isEmpty()
        ? new Head(0, AuditRecord.GENESIS)
        : new Head(records.size(), records.get(records.size() - 1).hash());
  }

  /** A new in-memory trail. */
  static AuditChain inMemory() {
    return new AuditChain(headOf(List.of())) {
      private final List<AuditRecord> records = new ArrayList<>();

      @Override
      void store(AuditRecord record) {
        records.add(record);
      }

      @Override
      List<AuditRecord> stored() {
        return records;
      }

      @Override
      public void close() {}

      @Override
      public String toString() {
        return "AuditTrails.inMemory()";
      }
    };
  }
}
