package dev.cleanroom.engine.trino;

import dev.cleanroom.Column;
import dev.cleanroom.Schema;
import dev.cleanroom.source.InMemorySource;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Fixed impressions and conversions, in Trino (tables of the memory connector) and in memory, with
 * hostile text values: the countries include quotes, backslashes, a SQL fragment, a comment marker
 * and characters outside the Basic Multilingual Plane, so that every test over them sends such
 * values to Trino as bound parameters, as condition values and as public group keys.
 *
 * <p>Person {@code p} (of {@value #PEOPLE}) has one to three impressions, all in country {@code
 * COUNTRIES[p % 7]} and campaign {@code p % 3}; every even person converts once or twice, on
 * channel {@code web} or {@code app}. So every country holds about 85 people who saw impressions
 * and 43 who converted, and nobody is in more than one country.
 */
final class AdTables {
  /** The people. */
  static final int PEOPLE = 600;

  /** The countries: hostile text first, then a plain one. */
  static final List<String> COUNTRIES =
      List.of(
          "O'Brien",
          "back\\slash\\",
          "'; DROP TABLE memory.default.imps; --",
          "quote\" ` ''",
          "\u00fcn\u00efc\u00f6d\u00e9 \ud83d\ude00 \u0000?",
          "?, ?) OR (1 = 1",
          "DE");

  static final Schema IMPRESSIONS =
      Schema.of(
          Column.string("uid"),
          Column.string("country"),
          Column.int64("campaign"),
          Column.float64("spend"));

  static final Schema CONVERSIONS =
      Schema.of(Column.string("uid"), Column.string("channel"), Column.float64("amount"));

  private AdTables() {}

  /** The id of person {@code p}. */
  static String uid(int p) {
    return "user-" + p;
  }

  static List<Object[]> impressions() {
    List<Object[]> rows = new ArrayList<>();
    for (int p = 0; p < PEOPLE; p++) {
      for (int r = 0; r <= p % 3; r++) {
        rows.add(
            new Object[] {uid(p), COUNTRIES.get(p % 7), (long) (p % 3), (double) (p % 11 + r)});
      }
    }
    return rows;
  }

  static List<Object[]> conversions() {
    List<Object[]> rows = new ArrayList<>();
    for (int p = 0; p < PEOPLE; p += 2) {
      for (int r = 0; r <= p % 4 / 2; r++) {
        rows.add(new Object[] {uid(p), p % 4 == 0 ? "web" : "app", (double) (p % 50) + 0.25 * r});
      }
    }
    return rows;
  }

  /**
   * Creates {@code catalog.default.imps} and {@code catalog.default.convs} in Trino and fills them.
   */
  static void create(TrinoCluster trino, String catalog, String prefix) throws SQLException {
    String imps = catalog + ".\"default\"." + prefix + "imps";
    String convs = catalog + ".\"default\"." + prefix + "convs";
    trino.execute(
        "CREATE TABLE " + imps + " (uid VARCHAR, country VARCHAR, campaign BIGINT, spend DOUBLE)",
        "CREATE TABLE " + convs + " (uid VARCHAR, channel VARCHAR, amount DOUBLE)");
    trino.insert(imps, impressions());
    trino.insert(convs, conversions());
  }

  static InMemorySource impressionsInMemory() {
    InMemorySource.Builder b = InMemorySource.builder("mem_imps", IMPRESSIONS);
    for (Object[] r : impressions()) {
      b.addRow(r);
    }
    return b.build();
  }

  static InMemorySource conversionsInMemory() {
    InMemorySource.Builder b = InMemorySource.builder("mem_convs", CONVERSIONS);
    for (Object[] r : conversions()) {
      b.addRow(r);
    }
    return b.build();
  }
}
