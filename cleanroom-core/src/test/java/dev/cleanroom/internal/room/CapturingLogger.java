package dev.cleanroom.internal.room;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.MDC;
import org.slf4j.Marker;
import org.slf4j.event.KeyValuePair;
import org.slf4j.event.Level;
import org.slf4j.event.LoggingEvent;
import org.slf4j.helpers.FormattingTuple;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.spi.LoggingEventAware;

/**
 * A logger enabled at every level that formats each call as one line and appends it to {@link
 * CapturedLogs}: {@code LEVEL logger - message}, then markers, key-value pairs, the MDC, and the
 * class and message of the throwable and of every cause and suppressed exception.
 */
final class CapturingLogger extends LegacyAbstractLogger implements LoggingEventAware {
  private static final long serialVersionUID = 1L;

  CapturingLogger(String name) {
    this.name = name;
  }

  @Override
  public boolean isTraceEnabled() {
    return true;
  }

  @Override
  public boolean isDebugEnabled() {
    return true;
  }

  @Override
  public boolean isInfoEnabled() {
    return true;
  }

  @Override
  public boolean isWarnEnabled() {
    return true;
  }

  @Override
  public boolean isErrorEnabled() {
    return true;
  }

  @Override
  protected String getFullyQualifiedCallerName() {
    return null;
  }

  @Override
  protected void handleNormalizedLoggingCall(
      Level level, Marker marker, String messagePattern, Object[] arguments, Throwable throwable) {
    List<Marker> markers = marker == null ? List.of() : List.of(marker);
    capture(level, markers, messagePattern, arguments, List.of(), throwable);
  }

  /** The fluent API ({@code atInfo().addKeyValue(...).log(...)}) ends here. */
  @Override
  public void log(LoggingEvent event) {
    List<Marker> markers = event.getMarkers() == null ? List.of() : event.getMarkers();
    List<KeyValuePair> pairs =
        event.getKeyValuePairs() == null ? List.of() : event.getKeyValuePairs();
    capture(
        event.getLevel(),
        markers,
        event.getMessage(),
        event.getArgumentArray(),
        pairs,
        event.getThrowable());
  }

  private void capture(
      Level level,
      List<Marker> markers,
      String pattern,
      Object[] arguments,
      List<KeyValuePair> pairs,
      Throwable throwable) {
    // Without an explicit throwable, a trailing throwable argument is the event's throwable.
    FormattingTuple tuple =
        throwable != null
            ? MessageFormatter.arrayFormat(pattern, arguments, throwable)
            : MessageFormatter.arrayFormat(pattern, arguments);
    // arrayFormat drops an explicit throwable when there are no arguments.
    Throwable t = throwable != null ? throwable : tuple.getThrowable();
    StringBuilder sb = new StringBuilder();
    sb.append(level).append(' ').append(name).append(" - ").append(tuple.getMessage());
    if (!markers.isEmpty()) {
      sb.append(" markers=").append(markers);
    }
    for (KeyValuePair kv : pairs) {
      sb.append(' ').append(kv.key).append('=').append(kv.value);
    }
    Map<String, String> mdc = MDC.getCopyOfContextMap();
    if (mdc != null && !mdc.isEmpty()) {
      sb.append(" mdc=").append(mdc);
    }
    appendThrowable(sb, t, "thrown", Collections.newSetFromMap(new IdentityHashMap<>()));
    CapturedLogs.add(sb.toString());
  }

  private static void appendThrowable(
      StringBuilder sb, Throwable t, String role, Set<Throwable> seen) {
    if (t == null || !seen.add(t)) {
      return;
    }
    sb.append(" | ").append(role).append(": ").append(t);
    for (Throwable s : t.getSuppressed()) {
      appendThrowable(sb, s, "suppressed", seen);
    }
    appendThrowable(sb, t.getCause(), "caused by", seen);
  }
}
