package dev.cleanroom;

/** The rules of a dataset's {@link Policy} that a query is checked against. */
public enum PolicyRule {
  /** The analyst must be allowed by the policy of every touched dataset. */
  ANALYST_ALLOWED,
  /** A dataset may be joined only on a column its policy allows for joining. */
  JOIN_ALLOWED,
  /** A user id column is never output, grouped by, or filtered by value. */
  USER_ID_NOT_EXPOSED,
  /** A blocked (or undeclared) column may not be touched. */
  COLUMN_NOT_BLOCKED,
  /** Grouping and filtering only on dimensions the policy allows. */
  DIMENSION_ALLOWED,
  /** A metric may be aggregated only with the functions its owner allows. */
  AGGREGATE_ALLOWED,
  /**
   * Every output row has at least the largest minimum of distinct users of the touched datasets.
   */
  MIN_DISTINCT_USERS,
  /** Each person contributes to at most the smallest maximum of groups of the touched datasets. */
  MAX_GROUPS_PER_USER,
  /** Each person's rows and metric totals per group are bounded. */
  CONTRIBUTION_PER_GROUP,
  /** A dataset that requires differential privacy is queried only with a privacy budget. */
  DIFFERENTIAL_PRIVACY_REQUIRED,
  /** One query spends at most the smallest per-query ε cap of the touched datasets. */
  EPSILON_PER_QUERY,
  /**
   * The analyst's ledger for the dataset has enough budget left for the query; checked by {@code
   * explain()}, and enforced by the budget store when the query runs.
   */
  BUDGET_REMAINING,
  /**
   * A query template runs only when every owner of a dataset it touches has approved its current
   * content; a dataset whose policy {@linkplain Policy#requiresApprovedTemplates() requires
   * approved templates} accepts no other query.
   */
  TEMPLATE_APPROVED,
  /**
   * Every party that receives a query's result must be allowed as a result receiver by the policy
   * of every touched dataset.
   */
  RESULT_RECEIVER_ALLOWED,
  /**
   * A cohort is released only to a receiver that every touched dataset allows cohort release to.
   */
  COHORT_RELEASE_ALLOWED,
  /**
   * A cohort is released only if it has at least the largest minimum cohort size of the touched
   * datasets, counted in distinct people.
   */
  COHORT_MIN_SIZE,
  /**
   * The analyst has queries left under the smallest cap on queries per period of the touched
   * datasets ({@link Policy.Builder#maxQueries}); checked by {@code explain()}, and counted by the
   * budget store, in the same atomic charge as the privacy budget, when the query runs.
   */
  QUERY_LIMIT
}
