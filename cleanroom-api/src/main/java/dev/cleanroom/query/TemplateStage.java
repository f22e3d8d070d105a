package dev.cleanroom.query;

import dev.cleanroom.engine.QueryEngine;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A run of a registered query template: give each parameter a value with {@code with}, then {@link
 * #run()} or {@link #explain()}. The engine checks each value against the template's declared type
 * and bounds. Each call returns a new, immutable stage.
 *
 * <pre>{@code
 * Result r = room.as("advertiser").template("reach_by_country").with("campaign", 7).run();
 * }</pre>
 */
public final class TemplateStage {
  private final QueryEngine engine;
  private final TemplateCall call;

  TemplateStage(QueryEngine engine, TemplateCall call) {
    this.engine = engine;
    this.call = call;
  }

  /**
   * Gives the whole-number parameter {@code parameter} the value {@code value}.
   *
   * @param parameter the name of a whole-number parameter declared by the template
   * @param value the parameter's value, checked against the declared bounds when the template runs
   * @return a new stage with this value added
   * @throws NullPointerException if {@code parameter} is null
   * @throws IllegalStateException if the parameter already has a value
   */
  public TemplateStage with(String parameter, long value) {
    return put(parameter, value);
  }

  /**
   * Gives the text parameter {@code parameter} the value {@code value}.
   *
   * @param parameter the name of a text parameter declared by the template
   * @param value the parameter's value, checked against the allowed values when the template runs
   * @return a new stage with this value added
   * @throws NullPointerException if an argument is null
   * @throws IllegalStateException if the parameter already has a value
   */
  public TemplateStage with(String parameter, String value) {
    return put(parameter, Objects.requireNonNull(value, "value"));
  }

  private TemplateStage put(String parameter, Object value) {
    Objects.requireNonNull(parameter, "parameter");
    if (call.values().containsKey(parameter)) {
      throw new IllegalStateException("parameter [" + parameter + "] already has a value");
    }
    Map<String, Object> next = new HashMap<>(call.values());
    next.put(parameter, value);
    return new TemplateStage(engine, new TemplateCall(call.analyst(), call.templateId(), next));
  }

  /**
   * The plain description of this run.
   *
   * @return the analyst, the template's identifier and the values given so far
   */
  public TemplateCall call() {
    return call;
  }

  /**
   * Checks the parameter values, the template's approvals and every touched dataset's policy, then
   * runs the template's query as {@link FinalStage#run()} does.
   *
   * @return the query's result
   * @throws dev.cleanroom.InvalidQueryException if the template is unknown or a parameter value is
   *     missing, undeclared, of the wrong type or out of bounds
   * @throws dev.cleanroom.PolicyViolationException if an owner of a touched dataset has not
   *     approved the template's current content, or another policy rule refuses the query
   * @throws dev.cleanroom.BudgetExhaustedException if a ledger has too little budget left
   * @throws dev.cleanroom.DataSourceException if a source fails
   */
  public Result run() {
    return engine.run(call);
  }

  /**
   * Shows the plan and every policy check, including the template's approvals, without scanning any
   * source or charging anything.
   *
   * @return the explanation of the template's query with the given values
   * @throws dev.cleanroom.InvalidQueryException if the template is unknown or a parameter value is
   *     invalid
   */
  public Explanation explain() {
    return engine.explain(call);
  }
}
