package dev.cleanroom.internal.plan;

import dev.cleanroom.ColumnRole;
import dev.cleanroom.ColumnType;
import dev.cleanroom.query.TimeBucket;
import java.util.Objects;
import java.util.Optional;

/**
 * A column reference resolved to one dataset of the query: a column, or a time bucket of a DATE or
 * TIMESTAMP column (a derived DATE dimension).
 *
 * @param dataset the position of the dataset in the query
 * @param name the column's name in that dataset (for a bucket, the underlying column's)
 * @param type the type of the values: the column's, or DATE for a bucket
 * @param role the column's role in that dataset
 * @param bucket the time bucket, if this is a derived dimension
 * @param baseType the underlying column's type (equal to {@code type} unless bucketed)
 */
public record ResolvedColumn(
    int dataset,
    String name,
    ColumnType type,
    ColumnRole role,
    Optional<TimeBucket> bucket,
    ColumnType baseType) {

  /** Checks that a bucket is a DATE of a DATE or TIMESTAMP column. */
  public ResolvedColumn {
    Objects.requireNonNull(bucket, "bucket");
    if (bucket.isPresent()
        && (type != ColumnType.DATE
            || (baseType != ColumnType.DATE && baseType != ColumnType.TIMESTAMP))) {
      throw new IllegalArgumentException("a time bucket is a DATE of a DATE or TIMESTAMP column");
    }
  }

  /** A plain column. */
  public ResolvedColumn(int dataset, String name, ColumnType type, ColumnRole role) {
    this(dataset, name, type, role, Optional.empty(), type);
  }

  /** The name as a query or policy writes it: {@code day}, or {@code week(day)} for a bucket. */
  public String label() {
    return bucket.map(b -> b.of(name)).orElse(name);
  }
}
