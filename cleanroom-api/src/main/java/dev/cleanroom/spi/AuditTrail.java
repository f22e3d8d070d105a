package dev.cleanroom.spi;

import java.math.BigDecimal;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An {@link AuditSink} that keeps every event as a record chained by SHA-256 to the one before, and
 * can read its records back and verify the chain. Implementations must be safe to call from several
 * threads; records are chained in the order {@link #record} calls complete.
 */
public interface AuditTrail extends AuditSink, AutoCloseable {
  /**
   * Every record, oldest first, as the trail holds it now (for a file, as read from the file).
   *
   * @return an immutable list
   */
  List<AuditRecord> records();

  /**
   * The number of records and the hash of the last one that this trail has written or replayed.
   * Keep it outside the trail (e.g. with the data owner) to detect later truncation with {@link
   * #verify(Head)}.
   *
   * @return the current head
   */
  Head head();

  /**
   * Checks the chain of {@link #records()} and that it still ends at {@link #head()}.
   *
   * @return ok, or the first bad record and why
   */
  Verification verify();

  /**
   * Checks the chain of {@link #records()} and that it still contains the record that {@code
   * anchor} names, which an earlier {@link #head()} returned.
   *
   * @param anchor an earlier head of this trail
   * @return ok, or the first bad record and why ({@link Problem#TRUNCATED} if records up to the
   *     anchor are gone)
   * @throws NullPointerException if {@code anchor} is null
   */
  Verification verify(Head anchor);

  /**
   * The privacy budget charged to the datasets of {@code owner}, summed exactly per dataset and
   * analyst over every record of the trail.
   *
   * @param owner the party that owns the datasets
   * @return one entry per dataset and analyst that was charged, sorted by dataset, then analyst
   * @throws NullPointerException if {@code owner} is null
   */
  List<Charged> epsilonCharged(String owner);

  /**
   * Releases files and other resources; the trail cannot record afterwards. Idempotent.
   *
   * @throws java.io.UncheckedIOException if a file cannot be closed (the trail is closed anyway)
   */
  @Override
  void close();

  /**
   * A position in a trail.
   *
   * @param records the number of records up to and including the head; 0 for an empty trail
   * @param hash the hash of the last of them, or {@link AuditRecord#GENESIS} for an empty trail
   */
  record Head(long records, String hash) {
    /**
     * @param records the number of records up to and including the head, not negative; 0 for an
     *     empty trail
     * @param hash the hash of the last of them, or {@link AuditRecord#GENESIS} for an empty trail
     * @throws NullPointerException if {@code hash} is null
     * @throws IllegalArgumentException if {@code records} is negative
     */
    public Head {
      if (records < 0) {
        throw new IllegalArgumentException(
            "records must not be negative; provided value: " + records);
      }
      Objects.requireNonNull(hash, "hash");
    }
  }

  /** Why a trail fails verification. */
  enum Problem {
    /** A record is missing before the reported position. */
    REMOVED,
    /** The record at the reported position belongs elsewhere in the trail. */
    REORDERED,
    /** The record at the reported position was changed (its hash or its link does not match). */
    ALTERED,
    /** Records at and after the reported position, up to the known head, are missing. */
    TRUNCATED
  }

  /**
   * The result of a verification.
   *
   * @param records the number of records checked
   * @param failure empty if the chain is intact, else the first bad position and why
   */
  record Verification(long records, Optional<Failure> failure) {
    /**
     * @param records the number of records checked, not negative
     * @param failure empty if the chain is intact, else the first bad position and why
     * @throws NullPointerException if {@code failure} is null
     * @throws IllegalArgumentException if {@code records} is negative
     */
    public Verification {
      if (records < 0) {
        throw new IllegalArgumentException(
            "records must not be negative; provided value: " + records);
      }
      Objects.requireNonNull(failure, "failure");
    }

    /**
     * Whether the chain is intact.
     *
     * @return {@code true} if {@link #failure()} is empty
     */
    public boolean ok() {
      return failure.isEmpty();
    }
  }

  /**
   * Where and why a chain is broken.
   *
   * @param index the position of the first bad record in the checked list
   * @param problem why
   * @param detail a description without data values
   */
  record Failure(long index, Problem problem, String detail) {
    /**
     * @param index the position of the first bad record in the checked list, not negative
     * @param problem why the chain is broken there
     * @param detail a description without data values
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code index} is negative
     */
    public Failure {
      if (index < 0) {
        throw new IllegalArgumentException("index must not be negative; provided value: " + index);
      }
      Objects.requireNonNull(problem, "problem");
      Objects.requireNonNull(detail, "detail");
    }
  }

  /**
   * The privacy budget charged to one dataset by one analyst.
   *
   * @param dataset the dataset's qualified name
   * @param analyst the analyst
   * @param epsilon the total ε charged, exact
   * @param delta the total δ charged, exact
   * @param queries the number of charged queries
   */
  record Charged(
      String dataset, String analyst, BigDecimal epsilon, BigDecimal delta, long queries) {
    /**
     * @param dataset the dataset's qualified name
     * @param analyst the analyst
     * @param epsilon the total ε charged, exact
     * @param delta the total δ charged, exact
     * @param queries the number of charged queries
     * @throws NullPointerException if an argument is null
     */
    public Charged {
      Objects.requireNonNull(dataset, "dataset");
      Objects.requireNonNull(analyst, "analyst");
      Objects.requireNonNull(epsilon, "epsilon");
      Objects.requireNonNull(delta, "delta");
    }
  }
}
