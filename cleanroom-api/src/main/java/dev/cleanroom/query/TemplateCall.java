package dev.cleanroom.query;

import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * A request to run a registered query template with parameter values, built by {@link
 * TemplateStage}. Values never appear in {@code toString()}.
 *
 * @param analyst the party running the template
 * @param templateId the template's identifier
 * @param values the parameter values by name, each a {@link String} or {@link Long}
 */
public record TemplateCall(String analyst, String templateId, Map<String, Object> values) {
  /**
   * @param analyst the party running the template
   * @param templateId the template's identifier
   * @param values the parameter values by name, each a {@link String} or {@link Long}; copied
   * @throws NullPointerException if an argument, name or value is null
   * @throws IllegalArgumentException if a value is neither a String nor a Long
   */
  public TemplateCall {
    Objects.requireNonNull(analyst, "analyst");
    Objects.requireNonNull(templateId, "templateId");
    values = Map.copyOf(values);
    values.forEach(
        (name, v) -> {
          if (!(v instanceof String) && !(v instanceof Long)) {
            throw new IllegalArgumentException(
                "the value of parameter ["
                    + name
                    + "] must be a String or a Long; provided type: "
                    + v.getClass().getSimpleName());
          }
        });
  }

  @Override
  public String toString() {
    return "TemplateCall[analyst="
        + analyst
        + ", templateId="
        + templateId
        + ", parameters="
        + new TreeSet<>(values.keySet())
        + "]";
  }
}
