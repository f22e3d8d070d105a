package dev.cleanroom.query;

import dev.cleanroom.Bounds;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * What an analyst asks of a query beyond its aggregates, set on its {@link FinalStage}: derived
 * columns ({@link FinalStage#derive}), metric bounds narrower than the owners' ({@link
 * FinalStage#bounds}) and the post-processing of noisy values ({@link FinalStage#consistent}).
 *
 * @param derived the derived output columns, in output order, after the aggregates
 * @param bounds per metric (as the query's aggregates name it), bounds within the owner's declared
 *     bounds that the analyst chose instead of them; sorted by metric name
 * @param consistent whether noisy counts and sums of non-negative metrics are released as whole
 *     (counts) and non-negative numbers, their intervals clipped alike
 */
public record QueryOptions(List<Derived> derived, Map<String, Bounds> bounds, boolean consistent) {
  /** No derived column, the owners' bounds, raw noisy values. */
  public static final QueryOptions NONE = new QueryOptions(List.of(), Map.of(), false);

  /**
   * @param derived the derived output columns, in output order, after the aggregates
   * @param bounds per metric, bounds within the owner's declared bounds that the analyst chose
   * @param consistent whether noisy counts and sums of non-negative metrics are released as whole
   *     (counts) and non-negative numbers
   * @throws NullPointerException if an argument, element, key or value is null
   * @throws IllegalArgumentException if two derived columns have the same name or a metric name is
   *     blank
   */
  public QueryOptions {
    derived = List.copyOf(derived);
    Objects.requireNonNull(bounds, "bounds");
    Set<String> names = new HashSet<>();
    for (Derived d : derived) {
      if (!names.add(d.alias())) {
        throw new IllegalArgumentException("derived column [" + d.alias() + "] is named twice");
      }
    }
    TreeMap<String, Bounds> sorted = new TreeMap<>();
    for (Map.Entry<String, Bounds> e : bounds.entrySet()) {
      Objects.requireNonNull(e.getKey(), "metric");
      Objects.requireNonNull(e.getValue(), "bounds");
      if (e.getKey().isBlank()) {
        throw new IllegalArgumentException("metric name must not be blank");
      }
      sorted.put(e.getKey(), e.getValue());
    }
    bounds = Collections.unmodifiableMap(sorted);
  }

  /**
   * These options with {@code more} derived columns after the present ones.
   *
   * @param more the columns to add
   * @return these options with {@code more} derived columns after the present ones
   */
  public QueryOptions withDerived(List<Derived> more) {
    List<Derived> all = new ArrayList<>(derived);
    all.addAll(more);
    return new QueryOptions(all, bounds, consistent);
  }

  /**
   * These options with {@code metric} bounded by {@code chosen}.
   *
   * @param metric the metric, as the query's aggregates name it
   * @param chosen the bounds the analyst chose
   * @return these options with {@code metric} bounded by {@code chosen}
   */
  public QueryOptions withBounds(String metric, Bounds chosen) {
    Map<String, Bounds> all = new TreeMap<>(bounds);
    all.put(metric, chosen);
    return new QueryOptions(derived, all, consistent);
  }

  /**
   * These options with post-processing on or off.
   *
   * @param on whether noisy counts and sums are made whole and non-negative
   * @return these options with post-processing on or off
   */
  public QueryOptions withConsistent(boolean on) {
    return new QueryOptions(derived, bounds, on);
  }
}
