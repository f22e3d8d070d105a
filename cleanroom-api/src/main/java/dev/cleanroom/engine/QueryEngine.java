package dev.cleanroom.engine;

import dev.cleanroom.query.Activation;
import dev.cleanroom.query.CohortExplanation;
import dev.cleanroom.query.CohortSpec;
import dev.cleanroom.query.Explanation;
import dev.cleanroom.query.QueryId;
import dev.cleanroom.query.QuerySpec;
import dev.cleanroom.query.Result;
import dev.cleanroom.query.TemplateCall;
import java.util.List;
import java.util.Objects;

/**
 * What runs a {@link QuerySpec}: implemented by the engine in {@code cleanroom-core}; the fluent
 * stages hand their finished description to it.
 *
 * <p>Each way to run has an overload that also takes the run's {@link RunOptions} (a timeout, a
 * {@link dev.cleanroom.query.QueryControl}); the stages always call those. Their defaults ignore
 * the options and call the method without them, so an engine written before them keeps working
 * (without timeouts, cancellation or progress).
 */
public interface QueryEngine {
  /**
   * Plans, checks and runs the query.
   *
   * @param spec the query
   * @return the result
   * @throws dev.cleanroom.PolicyViolationException if a touched dataset's policy refuses it
   * @throws dev.cleanroom.InvalidQueryException if the query is malformed
   * @throws dev.cleanroom.DataSourceException if a source fails
   */
  Result run(QuerySpec spec);

  /**
   * Plans and checks the query without scanning any source.
   *
   * @param spec the query
   * @return the explanation
   * @throws dev.cleanroom.InvalidQueryException if the query is malformed
   */
  Explanation explain(QuerySpec spec);

  /**
   * Binds the parameter values of a registered query template, then plans, checks and runs its
   * query. Engines without templates keep this default, which refuses.
   *
   * @param call the analyst, the template's identifier and the parameter values
   * @return the result of the template's query with the values bound
   * @throws dev.cleanroom.InvalidQueryException if the template is unknown or a value is invalid
   * @throws dev.cleanroom.PolicyViolationException if the template lacks an approval or a policy
   *     refuses its query
   * @throws UnsupportedOperationException if the engine does not support templates
   */
  default Result run(TemplateCall call) {
    throw new UnsupportedOperationException("this engine does not run query templates");
  }

  /**
   * Binds the parameter values of a registered query template, then plans and checks its query
   * without scanning any source.
   *
   * @param call the analyst, the template's identifier and the parameter values
   * @return the explanation of the template's query with the values bound
   * @throws dev.cleanroom.InvalidQueryException if the template is unknown or a value is invalid
   * @throws UnsupportedOperationException if the engine does not support templates
   */
  default Explanation explain(TemplateCall call) {
    throw new UnsupportedOperationException("this engine does not run query templates");
  }

  /**
   * Plans, checks and runs the query, and delivers its result to each receiver's {@link
   * dev.cleanroom.spi.ResultSink}.
   *
   * @param spec the query
   * @param receivers the parties to receive the result, at least one, each allowed as a receiver by
   *     every touched dataset and with a registered sink
   * @return the query's identifier only
   * @throws dev.cleanroom.PolicyViolationException if a touched dataset's policy refuses the query
   *     or a receiver
   * @throws IllegalStateException if a receiver has no registered sink
   * @throws UnsupportedOperationException if the engine does not deliver to receivers
   */
  default QueryId submit(QuerySpec spec, List<String> receivers) {
    throw new UnsupportedOperationException("this engine does not deliver to result receivers");
  }

  /**
   * Checks and releases a cohort to its receiver's {@link dev.cleanroom.spi.CohortSink}.
   *
   * @param spec the cohort
   * @return the activation, without ids or size
   * @throws dev.cleanroom.PolicyViolationException if a touched dataset's policy refuses the
   *     release or the cohort is below the minimum size
   * @throws UnsupportedOperationException if the engine does not release cohorts
   */
  default Activation activate(CohortSpec spec) {
    throw new UnsupportedOperationException("this engine does not release cohorts");
  }

  /**
   * Explains activating a cohort without running it; see {@link
   * dev.cleanroom.query.CohortStage#explain(String)}. Engines without cohorts keep this default,
   * which refuses.
   *
   * @param spec the cohort and its receiver
   * @return the explanation
   * @throws UnsupportedOperationException if the engine does not release cohorts
   */
  default CohortExplanation explain(CohortSpec spec) {
    throw new UnsupportedOperationException("this engine does not release cohorts");
  }

  /**
   * The budget of a differentially private query whose noise is stated by {@code target}: the ε
   * computed from the query's shape (its privacy's ε is a placeholder; its δ, noise kind and public
   * groups apply). Reads no data and charges nothing. Engines without noise targets keep this
   * default, which refuses.
   *
   * @param spec the query, differentially private
   * @param target what the noise must achieve
   * @return the budget to run the query with
   * @throws dev.cleanroom.PolicyViolationException if a policy refuses the query, or the ε exceeds
   *     an owner's per-query cap
   * @throws dev.cleanroom.InvalidQueryException if the query is malformed or the target cannot be
   *     met
   */
  default dev.cleanroom.PrivacyBudget budgetFor(
      QuerySpec spec, dev.cleanroom.query.NoiseTarget target) {
    throw new UnsupportedOperationException("this engine does not compute budgets from targets");
  }

  /**
   * Runs the query like {@link #run(QuerySpec)}, honouring {@code options}: a run that is cancelled
   * or exceeds its timeout throws {@link dev.cleanroom.QueryCancelledException}. The default
   * ignores the options.
   *
   * @param spec the query
   * @param options the timeout and control of this run; they do not change the query
   * @return the result
   * @throws dev.cleanroom.QueryCancelledException if the run was cancelled or timed out
   * @throws IllegalArgumentException if the control was used by another run
   */
  default Result run(QuerySpec spec, RunOptions options) {
    Objects.requireNonNull(options, "options");
    return run(spec);
  }

  /**
   * Runs a query template like {@link #run(TemplateCall)}, honouring {@code options}. The default
   * ignores the options.
   *
   * @param call the analyst, the template's identifier and the parameter values
   * @param options the timeout and control of this run
   * @return the result of the template's query with the values bound
   * @throws dev.cleanroom.QueryCancelledException if the run was cancelled or timed out
   */
  default Result run(TemplateCall call, RunOptions options) {
    Objects.requireNonNull(options, "options");
    return run(call);
  }

  /**
   * Runs the query and delivers its result like {@link #submit(QuerySpec, List)}, honouring {@code
   * options}. The default ignores the options.
   *
   * @param spec the query
   * @param receivers the parties to receive the result
   * @param options the timeout and control of this run
   * @return the query's identifier only
   * @throws dev.cleanroom.QueryCancelledException if the run was cancelled or timed out; nothing
   *     was delivered then
   */
  default QueryId submit(QuerySpec spec, List<String> receivers, RunOptions options) {
    Objects.requireNonNull(options, "options");
    return submit(spec, receivers);
  }

  /**
   * Releases a cohort like {@link #activate(CohortSpec)}, honouring {@code options}. The default
   * ignores the options.
   *
   * @param spec the cohort
   * @param options the timeout and control of this activation
   * @return the activation, without ids or size
   * @throws dev.cleanroom.QueryCancelledException if the activation was cancelled or timed out;
   *     nothing was released then
   */
  default Activation activate(CohortSpec spec, RunOptions options) {
    Objects.requireNonNull(options, "options");
    return activate(spec);
  }

  /**
   * Compiles the SQL text of an aggregate query into the {@link QuerySpec} the fluent builder would
   * produce for it; nothing is planned, checked against a policy or run. Engines without a SQL
   * front end keep this default, which refuses.
   *
   * @param analyst the party running the query
   * @param sql the query's text, in the supported SQL subset
   * @return the query's description
   * @throws dev.cleanroom.InvalidQueryException if the text is not in the supported subset; the
   *     message names the construct and its line and column
   * @throws UnsupportedOperationException if the engine has no SQL front end
   */
  default QuerySpec compileSql(String analyst, String sql) {
    throw new UnsupportedOperationException("this engine does not compile SQL text");
  }

  /**
   * Compiles the SQL text of a cohort ({@code SELECT USER_ID FROM ... WHERE ...}) into a {@link
   * CohortSpec} whose receiver is the analyst; the cohort stage replaces the receiver when it is
   * activated. Engines without a SQL front end keep this default, which refuses.
   *
   * @param analyst the party running the query
   * @param sql the cohort's text, in the supported SQL subset
   * @return the cohort's description, with the analyst as its receiver
   * @throws dev.cleanroom.InvalidQueryException if the text is not in the supported subset; the
   *     message names the construct and its line and column
   * @throws UnsupportedOperationException if the engine has no SQL front end
   */
  default CohortSpec compileCohortSql(String analyst, String sql) {
    throw new UnsupportedOperationException("this engine does not compile SQL text");
  }
}
