package dev.cleanroom.query;

import dev.cleanroom.engine.QueryEngine;
import dev.cleanroom.engine.RunOptions;
import java.time.Duration;
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
 *
 * <p>{@link #timeout(Duration)} and {@link #control(QueryControl)} set how a run executes, as on
 * {@link FinalStage}; they are not part of the call.
 */
public final class TemplateStage {
  private final QueryEngine engine;
  private final TemplateCall call;
  private final RunOptions options;

  TemplateStage(QueryEngine engine, TemplateCall call) {
    this(engine, call, RunOptions.NONE);
  }

  private TemplateStage(QueryEngine engine, TemplateCall call, RunOptions options) {
    this.engine = engine;
    this.call = call;
    this.options = options;
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
    return new TemplateStage(
        engine, new TemplateCall(call.analyst(), call.templateId(), next), options);
  }

  /**
   * Stops {@link #run()} with {@link dev.cleanroom.QueryCancelledException} if it takes longer than
   * {@code timeout}; see {@link FinalStage#timeout(Duration)}.
   *
   * @param timeout how long a run may take; positive
   * @return a new stage with this timeout
   * @throws IllegalArgumentException if {@code timeout} is zero or negative
   * @throws IllegalStateException if a timeout was already set
   */
  public TemplateStage timeout(Duration timeout) {
    return new TemplateStage(engine, call, Stages.timeout(options, timeout));
  }

  /**
   * Runs with {@code control}, to watch the run's progress and cancel it; see {@link
   * FinalStage#control(QueryControl)}.
   *
   * @param control the analyst's handle on the run
   * @return a new stage with this control
   * @throws IllegalStateException if a control was already set
   */
  public TemplateStage control(QueryControl control) {
    return new TemplateStage(engine, call, Stages.control(options, control));
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
   * @throws dev.cleanroom.QueryCancelledException if the run was cancelled or timed out
   */
  public Result run() {
    return engine.run(call, options);
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
