package dev.cleanroom;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * A query was refused because it would spend more privacy budget than a ledger has left. Nothing
 * was charged to any ledger and no source was scanned.
 */
public final class BudgetExhaustedException extends CleanRoomException {
  private static final long serialVersionUID = 1L;

  /** The ledger that has too little left. */
  private final String ledger;

  /** The ε the query asked for. */
  private final BigDecimal requestedEpsilon;

  /** The δ the query asked for. */
  private final BigDecimal requestedDelta;

  /** The ε the ledger has left. */
  private final BigDecimal remainingEpsilon;

  /** The δ the ledger has left. */
  private final BigDecimal remainingDelta;

  /**
   * A refusal.
   *
   * @param ledger the ledger that has too little left (dataset, analyst and period)
   * @param requestedEpsilon the ε the query asked of it
   * @param requestedDelta the δ the query asked of it
   * @param remainingEpsilon the ε it has left
   * @param remainingDelta the δ it has left
   */
  public BudgetExhaustedException(
      String ledger,
      BigDecimal requestedEpsilon,
      BigDecimal requestedDelta,
      BigDecimal remainingEpsilon,
      BigDecimal remainingDelta) {
    super(
        "privacy budget of ledger "
            + Objects.requireNonNull(ledger, "ledger")
            + " is exhausted: requested ε="
            + requestedEpsilon.toPlainString()
            + ", δ="
            + requestedDelta.toPlainString()
            + "; remaining ε="
            + remainingEpsilon.toPlainString()
            + ", δ="
            + remainingDelta.toPlainString());
    this.ledger = ledger;
    this.requestedEpsilon = requestedEpsilon;
    this.requestedDelta = requestedDelta;
    this.remainingEpsilon = remainingEpsilon;
    this.remainingDelta = remainingDelta;
  }

  /**
   * The ledger that has too little left.
   *
   * @return the ledger that has too little left
   */
  public String ledger() {
    return ledger;
  }

  /**
   * The ε requested of the ledger.
   *
   * @return the ε requested of the ledger
   */
  public BigDecimal requestedEpsilon() {
    return requestedEpsilon;
  }

  /**
   * The δ requested of the ledger.
   *
   * @return the δ requested of the ledger
   */
  public BigDecimal requestedDelta() {
    return requestedDelta;
  }

  /**
   * The ε the ledger has left.
   *
   * @return the ε the ledger has left
   */
  public BigDecimal remainingEpsilon() {
    return remainingEpsilon;
  }

  /**
   * The δ the ledger has left.
   *
   * @return the δ the ledger has left
   */
  public BigDecimal remainingDelta() {
    return remainingDelta;
  }
}
