package dev.cleanroom.query;

import dev.cleanroom.Party;
import dev.cleanroom.PrivacyBudget;
import dev.cleanroom.engine.QueryEngine;
import dev.cleanroom.engine.RunOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A complete query: optionally make it differentially private with {@link #epsilon(double)} or
 * {@link #budget(PrivacyBudget)}, then {@link #run()} it or {@link #explain()} it. Each call
 * returns a new, immutable stage; each privacy setting may be made once.
 *
 * <p>How a run executes is set apart from what it asks: {@link #timeout(Duration)} and {@link
 * #control(QueryControl)} (progress and cancellation) change neither the {@link #spec()} nor its
 * fingerprint.
 */
public final class FinalStage {
  private final QueryEngine engine;
  private final QuerySpec base;
  private final Optional<PrivacyBudget> budget;
  private final NoiseKind noise;
  private final Optional<List<List<Object>>> publicGroups;
  private final RunOptions options;
  private final Optional<NoiseTarget> target;

  FinalStage(QueryEngine engine, QuerySpec spec) {
    this(
        engine,
        spec.withPrivacy(Privacy.THRESHOLD_ONLY),
        spec.privacy() instanceof Privacy.Differential dp
            ? Optional.of(dp.budget())
            : Optional.empty(),
        spec.privacy() instanceof Privacy.Differential dp ? dp.noise() : NoiseKind.LAPLACE,
        spec.privacy() instanceof Privacy.Differential dp ? dp.publicGroups() : Optional.empty(),
        RunOptions.NONE,
        Optional.empty());
  }

  private FinalStage(
      QueryEngine engine,
      QuerySpec base,
      Optional<PrivacyBudget> budget,
      NoiseKind noise,
      Optional<List<List<Object>>> publicGroups,
      RunOptions options,
      Optional<NoiseTarget> target) {
    this.engine = engine;
    this.base = base;
    this.budget = budget;
    this.noise = noise;
    this.publicGroups = publicGroups;
    this.options = options;
    this.target = target;
  }

  /**
   * Makes the query ε-differentially private, spending {@code epsilon} in total.
   *
   * @param epsilon the total ε of the query
   * @return the next stage
   * @throws IllegalArgumentException if ε is not finite or below 2^-50
   * @throws IllegalStateException if a budget was already set
   */
  public FinalStage epsilon(double epsilon) {
    return budget(PrivacyBudget.epsilon(epsilon));
  }

  /**
   * Makes the query differentially private, spending {@code budget} (pure ε or (ε, δ)) in total,
   * split evenly over its noisy parts. Groups are selected privately, which needs δ > 0, unless
   * {@link #publicGroups} lists them.
   *
   * @param budget the total budget of the query
   * @return the next stage
   * @throws IllegalArgumentException if the budget is zCDP
   * @throws IllegalStateException if a budget was already set
   */
  public FinalStage budget(PrivacyBudget budget) {
    Objects.requireNonNull(budget, "budget");
    if (budget instanceof PrivacyBudget.Zcdp) {
      throw new IllegalArgumentException(
          "a query budget is ε or (ε, δ); for Gaussian noise use noise(NoiseKind.GAUSSIAN)");
    }
    if (this.budget.isPresent()) {
      throw new IllegalStateException("budget was already set");
    }
    if (target.isPresent()) {
      throw new IllegalStateException("a budget cannot be combined with a noise target");
    }
    return new FinalStage(engine, base, Optional.of(budget), noise, publicGroups, options, target);
  }

  /**
   * The noise distribution (default {@link NoiseKind#LAPLACE}); Gaussian needs δ > 0.
   *
   * @param noise the noise distribution
   * @return the noise distribution (default {@link NoiseKind#LAPLACE}); Gaussian needs δ > 0
   */
  public FinalStage noise(NoiseKind noise) {
    Objects.requireNonNull(noise, "noise");
    return new FinalStage(engine, base, budget, noise, publicGroups, options, target);
  }

  /**
   * Releases exactly these groups, each with one value per grouped dimension, whether or not they
   * occur in the data; groups not listed are dropped. The keys must not come from the data.
   *
   * @param groups the released groups, one list of values per group
   * @return the next stage
   * @throws IllegalStateException if public groups were already set
   */
  public FinalStage publicGroups(List<List<Object>> groups) {
    Objects.requireNonNull(groups, "groups");
    if (publicGroups.isPresent()) {
      throw new IllegalStateException("publicGroups was already set");
    }
    List<List<Object>> copy = new ArrayList<>();
    for (List<Object> g : groups) {
      copy.add(List.copyOf(g));
    }
    return new FinalStage(
        engine, base, budget, noise, Optional.of(List.copyOf(copy)), options, target);
  }

  /**
   * Releases exactly these values of the single grouped dimension; see {@link #publicGroups}.
   *
   * @param values the released values
   * @return the next stage
   */
  public FinalStage publicGroupValues(Object... values) {
    List<List<Object>> groups = new ArrayList<>();
    for (Object v : values) {
      groups.add(List.of(v));
    }
    return publicGroups(groups);
  }

  /**
   * Adds derived output columns after the aggregates: {@link Dsl#ratio ratios} of two aggregates of
   * the same row and {@link Dsl#lift lifts} between two groups. They are computed from the released
   * values (post-processing): they cost no budget, are exact in threshold mode and carry a 95%
   * interval in differential-privacy mode.
   *
   * <pre>{@code
   * room.as("brand").from("brand.members").join("retailer.sales").onUserId()
   *     .groupBy("arm")
   *     .select(countDistinctUsers().as("members"), sum("promoted").as("buyers"))
   *     .derive(ratio("conv_rate", "buyers", "members"),
   *             lift("lift", "conv_rate", "arm", "exposed", "holdout"))
   *     .epsilon(1.0).publicGroupValues("exposed", "holdout")
   *     .run();
   * }</pre>
   *
   * @param columns the derived columns, in output order
   * @return the next stage
   * @throws IllegalArgumentException if a column names what the query does not have or repeats a
   *     name
   * @throws IllegalStateException if derived columns were already added
   */
  public FinalStage derive(Derived... columns) {
    if (!base.options().derived().isEmpty()) {
      throw new IllegalStateException("derived columns were already added");
    }
    List<Derived> list = List.of(columns);
    if (list.isEmpty()) {
      throw new IllegalArgumentException("derive needs at least one column");
    }
    return new FinalStage(
        engine,
        base.withOptions(base.options().withDerived(list)),
        budget,
        noise,
        publicGroups,
        options,
        target);
  }

  /**
   * Narrows the bounds of {@code metric} for this query: each person's total of the metric per
   * group is clamped to {@code [lower, upper]} instead of the owner's bounds, which it must lie
   * within. Narrower bounds mean less noise for the same ε (the noise scales with the largest
   * absolute bound) and more clamping of people beyond them: the analyst's trade, made from what
   * the analyst knows of the metric, not from the data. Narrowing costs nothing extra; it is part
   * of the query (its fingerprint) and shown by {@link #explain()}. {@code run()} and {@code
   * explain()} refuse bounds wider than the owner's with {@link
   * dev.cleanroom.InvalidQueryException}.
   *
   * <pre>{@code
   * stage.bounds("purchase_value", 0, 200).epsilon(1.0).run();   // owner allows [0, 10000]
   * }</pre>
   *
   * @param metric the metric as the query's aggregates name it
   * @param lower the lower bound
   * @param upper the upper bound, at least {@code lower}
   * @return the next stage
   * @throws IllegalArgumentException if the bounds are not finite or reversed, or no aggregate of
   *     the query reads {@code metric}
   * @throws IllegalStateException if bounds were already set for {@code metric}
   */
  public FinalStage bounds(String metric, double lower, double upper) {
    Objects.requireNonNull(metric, "metric");
    if (base.options().bounds().containsKey(metric)) {
      throw new IllegalStateException("bounds of " + metric + " were already set");
    }
    dev.cleanroom.Bounds chosen = dev.cleanroom.Bounds.of(lower, upper);
    return new FinalStage(
        engine,
        base.withOptions(base.options().withBounds(metric, chosen)),
        budget,
        noise,
        publicGroups,
        options,
        target);
  }

  /**
   * Releases noisy counts as whole numbers of at least 0 and noisy sums of metrics whose per-person
   * bounds are non-negative as numbers of at least 0, with their intervals clipped alike (the true
   * values lie there, so the intervals keep their coverage). Post-processing of released values: it
   * costs no budget. Off by default, so that noisy values stay unbiased (clipping at 0 raises the
   * mean of values near 0); has no effect in threshold mode, whose values are exact.
   *
   * @return the next stage
   * @throws IllegalStateException if it was already set
   */
  public FinalStage consistent() {
    if (base.options().consistent()) {
      throw new IllegalStateException("consistent was already set");
    }
    return new FinalStage(
        engine,
        base.withOptions(base.options().withConsistent(true)),
        budget,
        noise,
        publicGroups,
        options,
        target);
  }

  /**
   * Makes the query differentially private with the ε that {@code target} calls for, computed from
   * the query's shape (never from data) when the query is run or explained: noise that hides a
   * number of people, or a largest 95% half-width on one count or sum. {@link #explain()} and
   * {@link #spec()} show the ε; the query is charged it like any other. They throw {@link
   * dev.cleanroom.PolicyViolationException} if the ε exceeds an owner's per-query cap, and {@link
   * dev.cleanroom.InvalidQueryException} if the target cannot be met.
   *
   * <pre>{@code
   * stage.noiseTarget(NoiseTarget.hidingPeople(5)).publicGroupValues("DE", "FR").run();
   * stage.noiseTarget(NoiseTarget.halfWidth("buyers", 20).withDelta(1e-6)).run();
   * }</pre>
   *
   * @param target what the noise must achieve
   * @return the next stage
   * @throws IllegalStateException if a budget or target was already set
   */
  public FinalStage noiseTarget(NoiseTarget target) {
    Objects.requireNonNull(target, "target");
    if (this.target.isPresent()) {
      throw new IllegalStateException("a noise target was already set");
    }
    if (budget.isPresent()) {
      throw new IllegalStateException("a noise target cannot be combined with a budget");
    }
    return new FinalStage(engine, base, budget, noise, publicGroups, options, Optional.of(target));
  }

  /**
   * Stops {@link #run()} or {@link #submit} with {@link dev.cleanroom.QueryCancelledException} (its
   * {@code timedOut()} true) if it takes longer than {@code timeout} from its start; a query pushed
   * down to a database is cancelled there too. A budget charged before the scan stays charged. Does
   * not change the query: see {@link QueryControl} to also watch or cancel it.
   *
   * <pre>{@code
   * Result r = stage.timeout(Duration.ofSeconds(30)).run();
   * }</pre>
   *
   * @param timeout how long a run may take; positive
   * @return the next stage
   * @throws IllegalArgumentException if {@code timeout} is zero or negative
   * @throws IllegalStateException if a timeout was already set
   */
  public FinalStage timeout(Duration timeout) {
    return withOptions(Stages.timeout(options, timeout));
  }

  /**
   * Runs with {@code control}: it shows the run's progress and cancels it from any thread (the run
   * then throws {@link dev.cleanroom.QueryCancelledException} within one batch of rows and releases
   * nothing). A control serves one run. Does not change the query.
   *
   * @param control the analyst's handle on the run
   * @return the next stage
   * @throws IllegalStateException if a control was already set
   */
  public FinalStage control(QueryControl control) {
    return withOptions(Stages.control(options, control));
  }

  private FinalStage withOptions(RunOptions next) {
    return new FinalStage(engine, base, budget, noise, publicGroups, next, target);
  }

  /**
   * The plain description of this query.
   *
   * @return the plain description of this query
   * @throws IllegalArgumentException if the privacy settings do not fit together (Gaussian noise
   *     without δ, public groups of the wrong size)
   * @throws IllegalStateException if noise or public groups were set without a budget
   */
  public QuerySpec spec() {
    if (target.isPresent()) {
      // The ε follows from the query's shape: plan it at a provisional ε and let the engine solve.
      Privacy.Differential provisional =
          new Privacy.Differential(
              target.get().delta().signum() == 0
                  ? PrivacyBudget.epsilon(1)
                  : PrivacyBudget.epsilonDelta(1, target.get().delta().doubleValue()),
              noise,
              publicGroups);
      PrivacyBudget solved = engine.budgetFor(base.withPrivacy(provisional), target.get());
      return base.withPrivacy(new Privacy.Differential(solved, noise, publicGroups));
    }
    if (budget.isEmpty()) {
      if (noise != NoiseKind.LAPLACE || publicGroups.isPresent()) {
        throw new IllegalStateException(
            "noise and publicGroups need a differential-privacy budget (epsilon or budget)");
      }
      return base;
    }
    return base.withPrivacy(new Privacy.Differential(budget.get(), noise, publicGroups));
  }

  /**
   * Checks every touched dataset's policy (including that the analyst is an allowed result receiver
   * of each), charges the privacy budget (if any) to every ledger, runs the query and returns the
   * released rows.
   *
   * @return the result
   * @throws dev.cleanroom.PolicyViolationException if a policy refuses the query; no source has
   *     been scanned then
   * @throws dev.cleanroom.BudgetExhaustedException if a ledger has too little budget left; nothing
   *     was charged and no source scanned
   * @throws dev.cleanroom.InvalidQueryException if the query is malformed
   * @throws dev.cleanroom.DataSourceException if a source fails (a budget already charged stays
   *     charged)
   * @throws dev.cleanroom.QueryCancelledException if the run was cancelled through its {@link
   *     #control} or exceeded its {@link #timeout}; nothing was released, and a budget already
   *     charged stays charged
   * @throws IllegalArgumentException if the control was used by another run
   */
  public Result run() {
    return engine.run(spec(), options);
  }

  /**
   * Runs the query like {@link #run()}, but delivers the result to the {@link
   * dev.cleanroom.spi.ResultSink} of each of {@code receivers} instead of returning it. The analyst
   * need not be a receiver. Every receiver is checked before any source is scanned or any budget
   * charged.
   *
   * @param receivers the parties to receive the result, at least one
   * @return only the query's identifier, the same as the delivered result's
   * @throws IllegalArgumentException if no receiver is named or a name is invalid or repeated
   * @throws IllegalStateException if a receiver has no registered result sink
   * @throws dev.cleanroom.PolicyViolationException if a policy refuses the query or a receiver
   *     ({@link dev.cleanroom.PolicyRule#RESULT_RECEIVER_ALLOWED})
   * @throws dev.cleanroom.QueryCancelledException if the run was cancelled or timed out; nothing
   *     was delivered
   */
  public QueryId submit(String... receivers) {
    List<String> names = new ArrayList<>();
    for (String r : List.of(receivers)) {
      String name = Party.of(r).name();
      if (names.contains(name)) {
        throw new IllegalArgumentException("receiver " + name + " is named twice");
      }
      names.add(name);
    }
    if (names.isEmpty()) {
      throw new IllegalArgumentException("submit needs at least one receiver");
    }
    return engine.submit(spec(), List.copyOf(names), options);
  }

  /**
   * Shows the plan, every policy check with its outcome, the budget each ledger would be charged
   * and the expected error of each aggregate, without scanning any source or charging anything.
   *
   * @return the explanation
   * @throws dev.cleanroom.InvalidQueryException if the query is malformed
   */
  public Explanation explain() {
    return engine.explain(spec());
  }
}
