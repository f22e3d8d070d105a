package dev.cleanroom.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Bring your own CSV" program, compiled and run as written ({@link ReadmePrograms})
 * on a generated messy file: the owner's report of skipped rows, the same answer from the CSV file
 * and from DuckDB (and PostgreSQL when the environment names a reachable server), the DuckDB query
 * pushed down, the audit lines, and no id of the file in the output.
 */
class BringYourOwnCsvTest {
  private static final List<String> POSTGRES_VARIABLES =
      List.of("CLEANROOM_PG_URL", "CLEANROOM_PG_USER", "CLEANROOM_PG_PASSWORD");

  /** A row line of the released table: campaign, people, impressions. */
  private static final String ROW = "\\s*\\d+\\s+\\d+\\s+\\d+";

  /** The generated file: its lines, the ids written in them, and the expected report lines. */
  private static final class MessyCsv {
    final List<String> lines = new ArrayList<>(List.of("email,campaign_id,country"));
    final List<String> ids = new ArrayList<>();
    final List<String> expectedReport = new ArrayList<>();

    void row(String email, String rest) {
      lines.add(email + "," + rest);
      ids.add(email.strip());
    }

    void malformed(String line, String report) {
      lines.add(line);
      ids.add(line.substring(0, line.indexOf(',')).strip());
      expectedReport.add("  line " + lines.size() + report);
    }
  }

  /**
   * Campaign 1: people 0..199 in DE or FR; campaign 2: people 200..259; every fourth of them has a
   * second impression under a loosely written e-mail. 30 people of campaign 1 are in the US
   * (filtered out), 10 of campaign 3 are below k = 20 (suppressed). Between them: rows with blank
   * ids, an id that is not an e-mail, and malformed rows. The first record is well-formed, so the
   * check at registration skips nothing and each malformed row is counted once.
   */
  private static MessyCsv messyCsv() {
    MessyCsv csv = new MessyCsv();
    for (int i = 0; i < 300; i++) {
      String country = i >= 260 && i < 290 ? "US" : i % 2 == 0 ? "DE" : "FR";
      int campaign = i < 200 || (i >= 260 && i < 290) ? 1 : i < 260 ? 2 : 3;
      csv.row(
          i % 3 == 0 ? "\"person" + i + "@example.com\"" : "person" + i + "@example.com",
          campaign + "," + country);
      if (i < 260 && i % 4 == 0) {
        csv.row(" Person" + i + "@EXAMPLE.com  ", campaign + "," + country);
      }
      switch (i) {
        case 10 -> csv.malformed(",1,DE", ", column email: empty value");
        case 20 -> csv.malformed("   ,1,FR", ", column email: empty value");
        case 30 ->
            csv.malformed(
                "seven1@example.com,seven,DE", ", column campaign_id: not a whole number");
        case 40 -> csv.malformed("short1@example.com,1", ": expected 3 fields, found 2");
        case 50 -> csv.malformed("long1@example.com,1,DE,extra", ": expected 3 fields, found 4");
        case 60 ->
            csv.malformed("nocampaign1@example.com,,FR", ", column campaign_id: empty value");
        case 70 -> csv.row("not-an-email", "1,DE");
        case 80 -> csv.row("Person80@Example.com", "2,\"D,E\"");
        default -> {}
      }
    }
    return csv;
  }

  @Test
  void readmeBringYourOwnCsv_reportsSkippedRows_andAnswersAlikeOnEverySource(@TempDir Path dir)
      throws Exception {
    MessyCsv csv = messyCsv();
    Path file = dir.resolve("impressions.csv");
    Files.write(file, csv.lines, StandardCharsets.UTF_8);
    boolean postgres = postgresReachable();

    String out =
        ReadmePrograms.compileAndRun(
            dir,
            "BringYourOwnCsv",
            ReadmePrograms.javaBlock("Bring your own CSV", "BringYourOwnCsv"),
            env -> {
              env.remove("CLEANROOM_KEY");
              if (!postgres) {
                POSTGRES_VARIABLES.forEach(env::remove);
              }
            },
            file.toString(),
            dir.resolve("work").toString());
    List<String> lines = out.lines().toList();

    // The owner's report: every malformed row once, in file order, with line, column and reason.
    int report = lines.indexOf("malformed rows skipped: " + csv.expectedReport.size());
    assertTrue(report >= 0, out);
    assertEquals(
        csv.expectedReport, lines.subList(report + 1, report + 1 + csv.expectedReport.size()), out);

    // Campaign 1: 200 people with 250 impressions (a loosely written e-mail is the same person),
    // campaign 2: 60 people with 75 impressions; campaign 3 (10 people) is suppressed.
    List<String> expected = List.of("1 200 250", "2 60 75");
    List<String> rows =
        lines.stream()
            .filter(l -> l.matches(ROW))
            .map(l -> l.strip().replaceAll("\\s+", " "))
            .toList();
    List<String> everySource = new ArrayList<>();
    for (int source = 0; source < (postgres ? 3 : 2); source++) {
      everySource.addAll(expected);
    }
    assertEquals(everySource, rows, out);
    assertEquals(postgres ? 2 : 1, count(lines, "same answer as the CSV: true"), out);

    // How each query ran: the CSV streams (it skips rows as it reads them), DuckDB pushes down.
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("shop.impressions_csv: STREAMED (")), out);
    assertTrue(
        lines.stream().anyMatch(l -> l.startsWith("shop.impressions_duckdb: PUSHED_DOWN (")), out);
    if (postgres) {
      assertTrue(
          lines.stream().anyMatch(l -> l.startsWith("shop.impressions_pg: PUSHED_DOWN (")), out);
    } else {
      assertEquals(1, count(lines, "PostgreSQL: skipped"), out);
    }

    // The audit: each query once, the refusal with its reason, and an intact chain.
    assertEquals(1, count(lines, "audit: ACCEPTED [shop.impressions_csv]"), out);
    assertEquals(1, count(lines, "audit: ACCEPTED [shop.impressions_duckdb]"), out);
    assertEquals(postgres ? 1 : 0, count(lines, "audit: ACCEPTED [shop.impressions_pg]"), out);
    assertEquals(1, count(lines, "audit: REFUSED [shop.impressions_csv]: "), out);
    assertTrue(lines.stream().anyMatch(l -> l.contains("rule ANALYST_ALLOWED")), out);
    String trail = "audit trail: " + (postgres ? 4 : 3) + " records, chain intact: true";
    assertEquals(1, count(lines, trail), out);

    // No id of the file, as written or normalized, anywhere in the output.
    String lower = out.toLowerCase(Locale.ROOT);
    assertFalse(out.contains("@"), out);
    for (String id : csv.ids) {
      if (!id.isEmpty()) {
        assertFalse(lower.contains(id.replace("\"", "").toLowerCase(Locale.ROOT)), id);
      }
    }
  }

  /** The number of lines that start with {@code prefix}. */
  private static long count(List<String> lines, String prefix) {
    return lines.stream().filter(l -> l.startsWith(prefix)).count();
  }

  /**
   * Whether the environment names a PostgreSQL server that answers. Without the variables the
   * program skips PostgreSQL; with them and no server, so does this test (with the variables
   * removed from the program's environment), unless {@code CI} is {@code true}.
   */
  private static boolean postgresReachable() {
    Map<String, String> env = System.getenv();
    if (!POSTGRES_VARIABLES.stream().allMatch(env::containsKey)) {
      return false;
    }
    DriverManager.setLoginTimeout(5);
    try (Connection c =
        DriverManager.getConnection(
            env.get("CLEANROOM_PG_URL"),
            env.get("CLEANROOM_PG_USER"),
            env.get("CLEANROOM_PG_PASSWORD"))) {
      return c.isValid(5);
    } catch (SQLException e) {
      String message =
          "PostgreSQL named by CLEANROOM_PG_URL is not reachable (SQL state "
              + e.getSQLState()
              + ")";
      if ("true".equals(env.get("CI"))) {
        fail(message + "; failing instead of skipping because CI=true");
      }
      System.err.println(message + "; running the program without PostgreSQL");
      return false;
    }
  }
}
