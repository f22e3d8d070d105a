package dev.cleanroom;

import java.util.Collections;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * A typed, bounded parameter of a {@link QueryTemplate}: the template's conditions refer to it with
 * {@link dev.cleanroom.query.Dsl#param(String)}, and an analyst who runs the template supplies a
 * value within the declared bounds.
 *
 * <pre>{@code
 * Param.longParam("campaign", 0, 99);
 * Param.textParam("country", Set.of("DE", "FR"));
 * }</pre>
 */
public sealed interface Param permits Param.LongParam, Param.TextParam {
  /**
   * The parameter's name, unique within its template.
   *
   * @return the name that the template's conditions use in {@link dev.cleanroom.query.Dsl#param}
   */
  String name();

  /**
   * A whole-number parameter whose value must lie in [min, max].
   *
   * @param name the parameter's name
   * @param min the smallest allowed value
   * @param max the largest allowed value
   * @return the parameter
   * @throws IllegalArgumentException if the name is invalid or {@code min > max}
   */
  static LongParam longParam(String name, long min, long max) {
    return new LongParam(name, min, max);
  }

  /**
   * A text parameter whose value must be one of {@code allowed}.
   *
   * @param name the parameter's name
   * @param allowed the allowed values, at least one
   * @return the parameter
   * @throws IllegalArgumentException if the name is invalid or {@code allowed} is empty
   */
  static TextParam textParam(String name, Set<String> allowed) {
    return new TextParam(name, allowed);
  }

  /**
   * A whole-number parameter.
   *
   * @param name the parameter's name
   * @param min the smallest allowed value
   * @param max the largest allowed value
   */
  record LongParam(String name, long min, long max) implements Param {
    /**
     * @param name the parameter's name
     * @param min the smallest allowed value
     * @param max the largest allowed value, at least {@code min}
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if the name is invalid or {@code min > max}
     */
    public LongParam {
      Names.check("parameter name", name);
      if (min > max) {
        throw new IllegalArgumentException(
            "parameter [" + name + "] needs min <= max; provided: [" + min + ", " + max + "]");
      }
    }
  }

  /**
   * A text parameter with a closed set of allowed values.
   *
   * @param name the parameter's name
   * @param allowed the allowed values, at least one, in their natural order
   */
  record TextParam(String name, Set<String> allowed) implements Param {
    /**
     * @param name the parameter's name
     * @param allowed the allowed values, at least one; copied into an unmodifiable set sorted in
     *     natural order
     * @throws NullPointerException if an argument or allowed value is null
     * @throws IllegalArgumentException if the name is invalid or {@code allowed} is empty
     */
    public TextParam {
      Names.check("parameter name", name);
      Objects.requireNonNull(allowed, "allowed");
      for (String v : allowed) {
        Objects.requireNonNull(v, "an allowed value must not be null");
      }
      if (allowed.isEmpty()) {
        throw new IllegalArgumentException(
            "parameter [" + name + "] needs at least one allowed value");
      }
      allowed = Collections.unmodifiableSortedSet(new TreeSet<>(allowed));
    }

    @Override
    public String toString() {
      return "TextParam[name=" + name + ", " + allowed.size() + " allowed values]";
    }
  }
}
