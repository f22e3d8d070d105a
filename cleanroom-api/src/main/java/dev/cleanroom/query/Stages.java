package dev.cleanroom.query;

import dev.cleanroom.engine.RunOptions;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/** The run options shared by the stages that run: each set once. */
final class Stages {
  private Stages() {}

  static RunOptions timeout(RunOptions options, Duration timeout) {
    RunOptions.checkTimeout(timeout);
    if (options.timeout().isPresent()) {
      throw new IllegalStateException("timeout was already set to " + options.timeout().get());
    }
    return new RunOptions(Optional.of(timeout), options.control());
  }

  static RunOptions control(RunOptions options, QueryControl control) {
    Objects.requireNonNull(control, "control");
    if (options.control().isPresent()) {
      throw new IllegalStateException("control was already set");
    }
    return new RunOptions(options.timeout(), Optional.of(control));
  }
}
