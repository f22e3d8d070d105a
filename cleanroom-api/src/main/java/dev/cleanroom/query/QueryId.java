package dev.cleanroom.query;

import java.util.Objects;

/**
 * What the analyst gets for a query whose result went to receivers: only its identifier, the same
 * as the {@link Result#queryId()} the receivers got and the audit trail records.
 *
 * @param value the identifier
 */
public record QueryId(String value) {
  /**
   * @param value the identifier, not empty
   * @throws NullPointerException if {@code value} is null
   * @throws IllegalArgumentException if {@code value} is empty
   */
  public QueryId {
    Objects.requireNonNull(value, "value");
    if (value.isEmpty()) {
      throw new IllegalArgumentException("value must not be empty");
    }
  }
}
