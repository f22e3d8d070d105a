package dev.cleanroom.internal.value;

import dev.cleanroom.ColumnType;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.ResolverStyle;
import java.time.temporal.ChronoField;
import java.time.temporal.TemporalAccessor;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The one conversion between the values of conditions and results ({@link LocalDate}, {@link
 * Instant}, {@link Boolean}) and the whole numbers that batches, group keys and SQL statements hold
 * for DATE (days since 1970-01-01), TIMESTAMP (microseconds since 1970-01-01T00:00:00Z, UTC) and
 * BOOLEAN (1 or 0), and the text formats of CSV files. Every path converts through here, so every
 * path reads and compares the same values.
 */
public final class TypedValues {
  /** A DATE field's text is not a day in the column's format. */
  public static final String NOT_A_DATE = "not a date in the column's format";

  /** A TIMESTAMP field's text is not an instant in the column's format. */
  public static final String NOT_A_TIMESTAMP = "not a timestamp in the column's format";

  /** A BOOLEAN field's text is not true or false. */
  public static final String NOT_A_BOOLEAN = "not true or false";

  /** A day or instant outside the years 1 to 9999. */
  public static final String OUT_OF_TIME_RANGE = "a date or time outside the years 1 to 9999";

  /** An instant with digits finer than microseconds. */
  public static final String FINER_THAN_MICROSECONDS = "a timestamp finer than microseconds";

  /** The first day a DATE may hold, as days since 1970-01-01: 0001-01-01. */
  public static final long FIRST_DAY = LocalDate.of(1, 1, 1).toEpochDay();

  /** The last day a DATE may hold, as days since 1970-01-01: 9999-12-31. */
  public static final long LAST_DAY = LocalDate.of(9999, 12, 31).toEpochDay();

  /** Microseconds in a day. */
  public static final long MICROS_PER_DAY = 86_400_000_000L;

  /** The first instant a TIMESTAMP may hold, in microseconds. */
  public static final long FIRST_MICROS = FIRST_DAY * MICROS_PER_DAY;

  /** One past the last instant a TIMESTAMP may hold, in microseconds. */
  public static final long END_MICROS = (LAST_DAY + 1) * MICROS_PER_DAY;

  /** ISO-8601 date and time of day, with an optional offset ({@code Z}, {@code +02:00}). */
  private static final DateTimeFormatter ISO_TIMESTAMP =
      new DateTimeFormatterBuilder()
          .parseCaseInsensitive()
          .append(DateTimeFormatter.ISO_LOCAL_DATE)
          .appendLiteral('T')
          .append(DateTimeFormatter.ISO_LOCAL_TIME)
          .optionalStart()
          .appendOffsetId()
          .optionalEnd()
          .toFormatter(Locale.ROOT)
          .withResolverStyle(ResolverStyle.STRICT);

  private TypedValues() {}

  /**
   * A value a condition or public group gives for a column of {@code type}, as the engine holds it:
   * a String for STRING, a Long for LONG, a Double for DOUBLE, a Long (days, microseconds, 1 or 0)
   * for the time types and BOOLEAN.
   *
   * @return the value as held, or empty if it is not of the column's type
   */
  public static Optional<Object> held(ColumnType type, Object value) {
    return Optional.ofNullable(
        switch (type) {
          case STRING -> value instanceof String ? value : null;
          case LONG -> value instanceof Long ? value : null;
          case DOUBLE -> value instanceof Number n ? (Object) (n.doubleValue() + 0.0) : null;
          case DATE -> value instanceof LocalDate d ? (Object) epochDay(d) : null;
          case TIMESTAMP -> value instanceof Instant t ? (Object) epochMicros(t) : null;
          case BOOLEAN -> value instanceof Boolean b ? (Object) (b ? 1L : 0L) : null;
        });
  }

  /**
   * A held value of a column of {@code type} as results show it: {@link LocalDate}, {@link Instant}
   * or {@link Boolean} for the held whole numbers of DATE, TIMESTAMP and BOOLEAN; other values as
   * they are.
   */
  public static Object shown(ColumnType type, Object held) {
    return switch (type) {
      case DATE -> LocalDate.ofEpochDay((Long) held);
      case TIMESTAMP -> instant((Long) held);
      case BOOLEAN -> ((Long) held) != 0;
      case STRING, LONG, DOUBLE -> held;
    };
  }

  /**
   * Whether {@code v} is a value a column of {@code type} may hold as a whole number: any for LONG;
   * days or microseconds in the years 1 to 9999 for DATE and TIMESTAMP; 0 or 1 for BOOLEAN.
   */
  public static boolean isHeld(ColumnType type, long v) {
    return switch (type) {
      case DATE -> v >= FIRST_DAY && v <= LAST_DAY;
      case TIMESTAMP -> v >= FIRST_MICROS && v < END_MICROS;
      case BOOLEAN -> v == 0 || v == 1;
      default -> true;
    };
  }

  /**
   * Days since 1970-01-01.
   *
   * @throws IllegalArgumentException if {@code day} is outside the years 1 to 9999
   */
  public static long epochDay(LocalDate day) {
    long d = day.toEpochDay();
    if (d < FIRST_DAY || d > LAST_DAY) {
      throw new IllegalArgumentException(OUT_OF_TIME_RANGE);
    }
    return d;
  }

  /**
   * Microseconds since 1970-01-01T00:00:00Z.
   *
   * @throws IllegalArgumentException if {@code t} is outside the years 1 to 9999 or finer than
   *     microseconds
   */
  public static long epochMicros(Instant t) {
    long seconds = t.getEpochSecond();
    if (seconds < FIRST_MICROS / 1_000_000 || seconds >= END_MICROS / 1_000_000) {
      throw new IllegalArgumentException(OUT_OF_TIME_RANGE);
    }
    if (t.getNano() % 1000 != 0) {
      throw new IllegalArgumentException(FINER_THAN_MICROSECONDS);
    }
    return seconds * 1_000_000 + t.getNano() / 1000;
  }

  /** The instant {@code micros} microseconds after 1970-01-01T00:00:00Z. */
  public static Instant instant(long micros) {
    return Instant.ofEpochSecond(
        Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000L);
  }

  /**
   * Days since 1970-01-01 of a SQL DATE read as a {@link LocalDate}.
   *
   * @return the days, or a reason why the row is malformed
   */
  public static Parsed day(LocalDate day) {
    long d = day.toEpochDay();
    return d < FIRST_DAY || d > LAST_DAY ? Parsed.malformed(OUT_OF_TIME_RANGE) : Parsed.of(d);
  }

  /**
   * Microseconds of a SQL TIMESTAMP read as a date and time of day in UTC.
   *
   * @return the microseconds, or a reason why the row is malformed
   */
  public static Parsed micros(LocalDateTime utc) {
    return micros(utc.toInstant(ZoneOffset.UTC));
  }

  /**
   * Microseconds of an instant.
   *
   * @return the microseconds, or a reason why the row is malformed
   */
  public static Parsed micros(Instant t) {
    long seconds = t.getEpochSecond();
    if (seconds < FIRST_MICROS / 1_000_000 || seconds >= END_MICROS / 1_000_000) {
      return Parsed.malformed(OUT_OF_TIME_RANGE);
    }
    if (t.getNano() % 1000 != 0) {
      return Parsed.malformed(FINER_THAN_MICROSECONDS);
    }
    return Parsed.of(seconds * 1_000_000 + t.getNano() / 1000);
  }

  /**
   * A value read from text, or why it could not be: the reason is one of this class's fixed
   * strings, never the text.
   *
   * @param value the held value, if {@code reason} is null
   * @param reason why the text is not a value of the column's type, or null
   */
  public record Parsed(long value, String reason) {
    static Parsed of(long value) {
      return new Parsed(value, null);
    }

    static Parsed malformed(String reason) {
      return new Parsed(0, Objects.requireNonNull(reason));
    }

    /** Whether the text was a value. */
    public boolean ok() {
      return reason == null;
    }
  }

  /**
   * How the fields of one CSV column of a time type or BOOLEAN are read: ISO-8601 by default, or a
   * {@link DateTimeFormatter} pattern the owner declares for the column. Thread-safe.
   */
  public static final class TextFormat {
    private final ColumnType type;
    private final DateTimeFormatter pattern;

    private TextFormat(ColumnType type, DateTimeFormatter pattern) {
      this.type = type;
      this.pattern = pattern;
    }

    /**
     * The default format of {@code type}: ISO-8601 {@code 2024-02-29} for DATE; ISO-8601 {@code
     * 2024-02-29T13:45:00Z}, with an optional fraction of a second and an optional offset (none
     * means UTC) for TIMESTAMP; {@code true} or {@code false} in any ASCII case for BOOLEAN.
     */
    public static TextFormat iso(ColumnType type) {
      return new TextFormat(type, null);
    }

    /**
     * A format of DATE or TIMESTAMP values by a {@link DateTimeFormatter} pattern, resolved
     * strictly (no 30 February), the year of era defaulting to the current era. A TIMESTAMP pattern
     * without an offset reads its values in UTC.
     *
     * @throws IllegalArgumentException if {@code type} is not DATE or TIMESTAMP or the pattern is
     *     not valid
     */
    public static TextFormat pattern(ColumnType type, String pattern) {
      Objects.requireNonNull(pattern, "pattern");
      if (type != ColumnType.DATE && type != ColumnType.TIMESTAMP) {
        throw new IllegalArgumentException(
            "a format pattern is for a DATE or TIMESTAMP column, not " + type);
      }
      DateTimeFormatter f =
          new DateTimeFormatterBuilder()
              .appendPattern(pattern)
              .parseDefaulting(ChronoField.ERA, 1)
              .toFormatter(Locale.ROOT)
              .withResolverStyle(ResolverStyle.STRICT);
      return new TextFormat(type, f);
    }

    /** Reads a trimmed, non-empty field. */
    public Parsed parse(CharSequence text) {
      return switch (type) {
        case DATE -> parseDate(text);
        case TIMESTAMP -> parseTimestamp(text);
        case BOOLEAN -> parseBoolean(text);
        default -> throw new IllegalStateException("not a time or boolean column: " + type);
      };
    }

    private Parsed parseDate(CharSequence text) {
      LocalDate d;
      try {
        d = LocalDate.parse(text, pattern == null ? DateTimeFormatter.ISO_LOCAL_DATE : pattern);
      } catch (DateTimeException e) {
        // The exception's message holds the text: drop it.
        return Parsed.malformed(NOT_A_DATE);
      }
      return day(d);
    }

    private Parsed parseTimestamp(CharSequence text) {
      Instant t;
      try {
        TemporalAccessor a = (pattern == null ? ISO_TIMESTAMP : pattern).parse(text);
        if (a.isSupported(ChronoField.OFFSET_SECONDS)) {
          t = OffsetDateTime.from(a).toInstant();
        } else {
          t = LocalDateTime.from(a).toInstant(ZoneOffset.UTC);
        }
      } catch (DateTimeException | ArithmeticException e) {
        // The exception's message holds the text: drop it.
        return Parsed.malformed(NOT_A_TIMESTAMP);
      }
      return micros(t);
    }

    private static Parsed parseBoolean(CharSequence text) {
      if (asciiIgnoringCase(text, "true")) {
        return Parsed.of(1);
      }
      if (asciiIgnoringCase(text, "false")) {
        return Parsed.of(0);
      }
      return Parsed.malformed(NOT_A_BOOLEAN);
    }

    /**
     * Whether {@code text} is the lower-case ASCII word {@code word} with any of its letters in
     * upper case; unlike {@link String#equalsIgnoreCase}, no other character (such as U+017F, long
     * s, whose upper case is S) matches.
     */
    private static boolean asciiIgnoringCase(CharSequence text, String word) {
      if (text.length() != word.length()) {
        return false;
      }
      for (int i = 0; i < word.length(); i++) {
        char c = text.charAt(i);
        if (c != word.charAt(i) && c != word.charAt(i) - ('a' - 'A')) {
          return false;
        }
      }
      return true;
    }
  }
}
