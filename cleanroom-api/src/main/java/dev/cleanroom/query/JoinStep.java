package dev.cleanroom.query;

/** A join waiting for its key; datasets are always joined on their pseudonymized user id. */
public final class JoinStep {
  private final RowStage left;
  private final String dataset;

  JoinStep(RowStage left, String dataset) {
    this.left = left;
    this.dataset = dataset;
  }

  /**
   * Joins on the user id columns of both sides (an inner join on the same person).
   *
   * @return the row stage
   */
  public RowStage onUserId() {
    return left.withDataset(dataset);
  }
}
