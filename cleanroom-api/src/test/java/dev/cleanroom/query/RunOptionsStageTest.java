package dev.cleanroom.query;

import static dev.cleanroom.query.Dsl.count;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.testing.NullPointerTester;
import dev.cleanroom.QueryCancelledException;
import dev.cleanroom.engine.QueryEngine;
import dev.cleanroom.engine.RunOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Timeouts and controls on the stages that run: set once, handed to the engine as {@link
 * RunOptions}, never part of the query's description.
 */
class RunOptionsStageTest {
  /** Records the options of every run; answers with empty results. */
  private static final class OptionsEngine implements QueryEngine {
    final List<RunOptions> options = new ArrayList<>();
    final List<QuerySpec> specs = new ArrayList<>();

    @Override
    public Result run(QuerySpec spec) {
      throw new AssertionError("the stages call the overload with options");
    }

    @Override
    public Result run(QuerySpec spec, RunOptions options) {
      this.specs.add(spec);
      this.options.add(options);
      return new Result("q", List.of(), List.of());
    }

    @Override
    public Result run(TemplateCall call, RunOptions options) {
      this.options.add(options);
      return new Result("t", List.of(), List.of());
    }

    @Override
    public QueryId submit(QuerySpec spec, List<String> receivers, RunOptions options) {
      this.options.add(options);
      return new QueryId("s");
    }

    @Override
    public Activation activate(CohortSpec spec, RunOptions options) {
      this.options.add(options);
      return new Activation("c", spec.analyst(), spec.receiver(), spec.datasets().get(0));
    }

    @Override
    public Explanation explain(QuerySpec spec) {
      return new Explanation(spec, List.of(), List.of(), 2, 1, 1);
    }

    RunOptions last() {
      return options.get(options.size() - 1);
    }
  }

  private final OptionsEngine engine = new OptionsEngine();

  private FinalStage stage() {
    return QueryStart.of(engine, "a").from("p.x").select(count());
  }

  @Test
  void timeoutAndControl_reachTheEngine_withoutChangingTheSpec() {
    QueryControl control = QueryControl.create();
    FinalStage plain = stage();
    FinalStage controlled = plain.timeout(Duration.ofSeconds(3)).control(control);

    controlled.run();
    assertEquals(Optional.of(Duration.ofSeconds(3)), engine.last().timeout());
    assertEquals(Optional.of(control), engine.last().control());
    plain.run();
    assertEquals(RunOptions.NONE, engine.last());

    assertEquals(plain.spec(), controlled.spec());
    assertEquals(engine.specs.get(0), engine.specs.get(1));
  }

  @Test
  void options_surviveLaterPrivacySettings_andReachSubmit() {
    QueryControl control = QueryControl.create();
    stage().control(control).epsilon(1.0).noise(NoiseKind.LAPLACE).submit("r");
    assertEquals(Optional.of(control), engine.last().control());
    assertEquals(Optional.empty(), engine.last().timeout());
  }

  @Test
  void timeout_setTwice_isRejected() {
    FinalStage once = stage().timeout(Duration.ofMillis(5));
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> once.timeout(Duration.ofMillis(6)));
    assertTrue(e.getMessage().contains("timeout was already set"), e.getMessage());
  }

  @Test
  void control_setTwice_isRejected() {
    FinalStage once = stage().control(QueryControl.create());
    assertThrows(IllegalStateException.class, () -> once.control(QueryControl.create()));
  }

  @Test
  void timeout_zeroOrNegative_isRejected() {
    IllegalArgumentException zero =
        assertThrows(IllegalArgumentException.class, () -> stage().timeout(Duration.ZERO));
    assertEquals("timeout must be positive; provided value: PT0S", zero.getMessage());
    assertThrows(IllegalArgumentException.class, () -> stage().timeout(Duration.ofMillis(-1)));
    assertThrows(
        IllegalArgumentException.class,
        () -> new RunOptions(Optional.of(Duration.ofNanos(-1)), Optional.empty()));
  }

  @Test
  void templateStage_passesOptions_andKeepsThemAcrossValues() {
    QueryControl control = QueryControl.create();
    TemplateStage t =
        QueryStart.of(engine, "a")
            .template("t")
            .timeout(Duration.ofMinutes(1))
            .control(control)
            .with("campaign", 7);
    t.run();
    assertEquals(Optional.of(Duration.ofMinutes(1)), engine.last().timeout());
    assertEquals(Optional.of(control), engine.last().control());
    assertEquals(new TemplateCall("a", "t", Map.of("campaign", 7L)), t.call());
    assertThrows(IllegalStateException.class, () -> t.timeout(Duration.ofMinutes(2)));
  }

  @Test
  void cohortStage_passesOptions() {
    QueryControl control = QueryControl.create();
    CohortStage c = QueryStart.of(engine, "a").from("p.x").cohort();
    c.control(control).timeout(Duration.ofSeconds(1)).activateFor("p");
    assertEquals(Optional.of(control), engine.last().control());
    assertEquals(Optional.of(Duration.ofSeconds(1)), engine.last().timeout());
    assertThrows(IllegalStateException.class, () -> c.control(control).control(control));
  }

  @Test
  void anEngineWithoutOptions_stillRuns() {
    CapturingEngine old = new CapturingEngine();
    Result r =
        QueryStart.of(old, "a")
            .from("p.x")
            .select(count())
            .timeout(Duration.ofSeconds(1))
            .control(QueryControl.create())
            .run();
    assertEquals(1, old.runs().size());
    assertEquals("query-1", r.queryId());
  }

  @Test
  void control_startsUncancelled_andCancelsOnce() {
    QueryControl control = QueryControl.create();
    assertFalse(control.isCancelled());
    assertEquals(Progress.NOT_STARTED, control.progress());
    control.cancel();
    control.cancel();
    assertTrue(control.isCancelled());
    assertEquals(Progress.NOT_STARTED, control.progress());
    assertTrue(control.toString().contains("cancelled"), control.toString());
  }

  @Test
  void progress_rejectsNegativeRowsAndNullPhase() {
    assertThrows(IllegalArgumentException.class, () -> new Progress(Progress.Phase.SCANNING, -1));
    assertThrows(NullPointerException.class, () -> new Progress(null, 0));
    assertTrue(Progress.Phase.DONE.isFinal());
    assertTrue(Progress.Phase.FAILED.isFinal());
    assertFalse(Progress.Phase.SCANNING.isFinal());
  }

  @Test
  void cancelledException_saysWhich_withoutData() {
    QueryCancelledException c = QueryCancelledException.cancelled();
    assertFalse(c.timedOut());
    assertEquals(Optional.empty(), c.timeout());
    assertEquals("query cancelled", c.getMessage());
    QueryCancelledException t = QueryCancelledException.timedOut(Duration.ofMillis(250));
    assertTrue(t.timedOut());
    assertEquals(Optional.of(Duration.ofMillis(250)), t.timeout());
    assertEquals("query timed out after PT0.25S", t.getMessage());
  }

  @Test
  void everyPublicMethod_rejectsNull() {
    NullPointerTester tester =
        new NullPointerTester()
            .setDefault(String.class, "p")
            .setDefault(Duration.class, Duration.ofSeconds(1))
            .setDefault(QueryControl.class, QueryControl.create());
    tester.testAllPublicStaticMethods(QueryControl.class);
    tester.testAllPublicInstanceMethods(QueryControl.create());
    tester.testAllPublicConstructors(Progress.class);
    tester.testAllPublicStaticMethods(QueryCancelledException.class);
    tester.testAllPublicConstructors(RunOptions.class);
    tester.testAllPublicInstanceMethods(RunOptions.NONE);
    tester.testAllPublicInstanceMethods(stage());
    tester.testAllPublicInstanceMethods(QueryStart.of(engine, "a").template("t"));
    tester.testAllPublicInstanceMethods(QueryStart.of(engine, "a").from("p.x").cohort());
  }
}
