package dev.cleanroom.internal.room;

import java.util.ArrayList;
import java.util.List;

/**
 * The global, thread-safe buffer of every log line formatted by {@link CapturingServiceProvider},
 * the SLF4J provider of this module's tests. Tests clear it, act, and read it.
 */
public final class CapturedLogs {
  private static final Object LOCK = new Object();
  private static final List<String> LINES = new ArrayList<>();

  private CapturedLogs() {}

  /** Appends one formatted line. */
  static void add(String line) {
    synchronized (LOCK) {
      LINES.add(line);
    }
  }

  /** Forgets every captured line. */
  public static void clear() {
    synchronized (LOCK) {
      LINES.clear();
    }
  }

  /** A snapshot of the lines captured since the last {@link #clear()}, oldest first. */
  public static List<String> lines() {
    synchronized (LOCK) {
      return List.copyOf(LINES);
    }
  }

  /** The captured lines of the logger named {@code loggerName}. */
  public static List<String> linesOf(String loggerName) {
    String prefix = " " + loggerName + " - ";
    List<String> out = new ArrayList<>();
    for (String line : lines()) {
      int space = line.indexOf(' ');
      if (space >= 0 && line.startsWith(prefix, space)) {
        out.add(line);
      }
    }
    return out;
  }
}
