package dev.cleanroom.query;

import java.util.Objects;

/**
 * A named parameter in a condition of a query template, created by {@link Dsl#param(String)}; the
 * template declares its type and bounds, and an analyst supplies its value when the template runs.
 * A query that still holds a placeholder cannot run on its own.
 *
 * @param name the parameter's name, as declared by the template
 */
public record Placeholder(String name) {
  /**
   * @param name the parameter's name, as declared by the template; not blank
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if {@code name} is blank
   */
  public Placeholder {
    Objects.requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("parameter name must not be blank");
    }
  }

  @Override
  public String toString() {
    return ":" + name;
  }
}
