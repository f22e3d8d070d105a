package dev.cleanroom;

/**
 * What a dataset's owner allows to be done with a column. A column that is not declared is {@link
 * #BLOCKED}.
 */
public enum ColumnRole {
  /**
   * The privacy unit and join key. It is pseudonymized on ingestion, and is never output, grouped
   * by, or filtered by value.
   */
  USER_ID,
  /** A column that may be grouped by and filtered on, as the policy allows. */
  DIMENSION,
  /** A numeric column that may be aggregated, with owner-declared clamp bounds. */
  METRIC,
  /** A column that no query may touch. */
  BLOCKED
}
