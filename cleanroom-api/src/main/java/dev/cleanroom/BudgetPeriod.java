package dev.cleanroom;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.IsoFields;
import java.util.Locale;
import java.util.Objects;

/**
 * How often an analyst's privacy budget on a dataset starts afresh. Periods are calendar periods in
 * UTC, read from the room's clock.
 */
public enum BudgetPeriod {
  /** Never: the budget is for the lifetime of the dataset. */
  NONE,
  /** Every calendar day (UTC). */
  DAILY,
  /** Every ISO week (Monday to Sunday, UTC). */
  WEEKLY,
  /** Every calendar month (UTC). */
  MONTHLY;

  /**
   * A name of the period that contains {@code time}, e.g. {@code 2026-11-22}, {@code 2026-W47}.
   *
   * @param time the instant whose period is wanted
   * @return the period's name
   */
  public String periodOf(Instant time) {
    Objects.requireNonNull(time, "time");
    LocalDate day = LocalDate.ofInstant(time, ZoneOffset.UTC);
    return switch (this) {
      case NONE -> "lifetime";
      case DAILY -> day.toString();
      case WEEKLY ->
          String.format(
              Locale.ROOT,
              "%d-W%02d",
              day.get(IsoFields.WEEK_BASED_YEAR),
              day.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR));
      case MONTHLY -> String.format(Locale.ROOT, "%d-%02d", day.getYear(), day.getMonthValue());
    };
  }
}
