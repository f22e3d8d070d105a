package dev.cleanroom.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.ColumnType;
import java.io.IOException;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ResultExportTest {
  private static final List<ResultColumn> COLUMNS =
      List.of(
          new ResultColumn("country", ColumnType.STRING, false),
          new ResultColumn("users", ColumnType.LONG, true),
          new ResultColumn("revenue", ColumnType.DOUBLE, true));

  private static final CellNoise USERS_NOISE = new CellNoise("discrete Laplace", 4.0, 108, 132);
  private static final CellNoise REVENUE_NOISE =
      new CellNoise("discrete Laplace", 250.5, 1000.25, 2600.75);

  private static Result thresholdResult() {
    return new Result(
        "q1",
        COLUMNS,
        List.of(
            new ResultRow(COLUMNS, List.of("DE", 120L, 3.5)),
            new ResultRow(COLUMNS, List.of("a,\"b\"\nc", 7L, Double.NaN))));
  }

  private static Result dpResult() {
    PrivacyReport privacy =
        new PrivacyReport(
            true,
            new BigDecimal("1.0"),
            new BigDecimal("0.000001"),
            List.of("selection: ε=0.4", "users: ε=0.3", "revenue: ε=0.3"),
            List.of(
                new LedgerStatus(
                    "publisher.impressions/advertiser/2026-11",
                    "publisher.impressions",
                    new BigDecimal("1.0"),
                    new BigDecimal("0.000001"),
                    new BigDecimal("9.0"),
                    new BigDecimal("0.000009"))),
            false);
    return new Result(
        "q2",
        COLUMNS,
        List.of(
            new ResultRow(
                COLUMNS,
                List.of("DE", 120L, 1800.5),
                List.of(Optional.empty(), Optional.of(USERS_NOISE), Optional.of(REVENUE_NOISE)))),
        privacy);
  }

  @Test
  void csv_thresholdMode_hasNoNoiseColumnsAndZeroSpend() {
    List<List<String>> csv = TestCsv.parse(thresholdResult().toCsv());
    assertEquals(
        List.of("country", "users", "revenue", "privacy.epsilon", "privacy.delta"), csv.get(0));
    assertEquals(List.of("DE", "120", "3.5", "0", "0"), csv.get(1));
    assertEquals(List.of("a,\"b\"\nc", "7", "NaN", "0", "0"), csv.get(2));
    assertEquals(3, csv.size());
  }

  @Test
  void csv_quotesOnlyWhereNeeded() {
    String text = thresholdResult().toCsv();
    assertTrue(text.startsWith("country,users,revenue,privacy.epsilon,privacy.delta\r\n"), text);
    assertTrue(text.contains("\r\n\"a,\"\"b\"\"\nc\",7,NaN,0,0\r\n"), text);
    assertEquals("\"\"", ResultExport.csvField(""));
    assertEquals("\" x\"", ResultExport.csvField(" x"));
    assertEquals("plain", ResultExport.csvField("plain"));
  }

  @Test
  void csv_dpMode_carriesNoiseScaleIntervalAndSpend() {
    List<List<String>> csv = TestCsv.parse(dpResult().toCsv());
    assertEquals(
        List.of(
            "country",
            "users",
            "users.noise_scale",
            "users.ci95_lower",
            "users.ci95_upper",
            "revenue",
            "revenue.noise_scale",
            "revenue.ci95_lower",
            "revenue.ci95_upper",
            "privacy.epsilon",
            "privacy.delta"),
        csv.get(0));
    assertEquals(
        List.of(
            "DE",
            "120",
            "4.0",
            "108.0",
            "132.0",
            "1800.5",
            "250.5",
            "1000.25",
            "2600.75",
            "1.0",
            "0.000001"),
        csv.get(1));
  }

  @Test
  void csv_writerVariant_writesTheSameText() throws IOException {
    StringWriter w = new StringWriter();
    dpResult().writeCsv(w);
    assertEquals(dpResult().toCsv(), w.toString());
    assertThrows(NullPointerException.class, () -> dpResult().writeCsv(null));
  }

  @Test
  @SuppressWarnings("unchecked")
  void json_dpMode_isStrictJsonWithNoiseAndLedgers() {
    Map<String, Object> json = (Map<String, Object>) TestJson.parse(dpResult().toJson());
    assertEquals("q2", json.get("queryId"));
    List<Object> columns = (List<Object>) json.get("columns");
    assertEquals(
        Map.of("name", "users", "type", "LONG", "aggregate", true),
        columns.get(1),
        columns.toString());
    Map<String, Object> row = (Map<String, Object>) ((List<Object>) json.get("rows")).get(0);
    assertEquals(List.of("DE", new BigDecimal("120"), new BigDecimal("1800.5")), row.get("values"));
    List<Object> noise = (List<Object>) row.get("noise");
    assertEquals(Optional.empty(), noise.get(0));
    Map<String, Object> revenue = (Map<String, Object>) noise.get(2);
    assertEquals("discrete Laplace", revenue.get("mechanism"));
    assertEquals(0, new BigDecimal("250.5").compareTo((BigDecimal) revenue.get("scale")));
    assertEquals(0, new BigDecimal("0.95").compareTo((BigDecimal) revenue.get("confidence")));
    assertEquals(0, new BigDecimal("1000.25").compareTo((BigDecimal) revenue.get("lower")));
    assertEquals(0, new BigDecimal("2600.75").compareTo((BigDecimal) revenue.get("upper")));
    Map<String, Object> privacy = (Map<String, Object>) json.get("privacy");
    assertEquals(true, privacy.get("differentiallyPrivate"));
    assertEquals(new BigDecimal("1.0"), privacy.get("epsilon"));
    assertEquals(new BigDecimal("0.000001"), privacy.get("delta"));
    assertEquals(3, ((List<Object>) privacy.get("split")).size());
    Map<String, Object> ledger =
        (Map<String, Object>) ((List<Object>) privacy.get("ledgers")).get(0);
    assertEquals(new BigDecimal("9.0"), ledger.get("epsilonRemaining"));
    assertEquals("publisher.impressions", ledger.get("dataset"));
    assertEquals(false, privacy.get("repeated"));
  }

  @Test
  @SuppressWarnings("unchecked")
  void json_nanBecomesNull_andTextIsEscaped() {
    String text = thresholdResult().toJson();
    Map<String, Object> json = (Map<String, Object>) TestJson.parse(text);
    Map<String, Object> row = (Map<String, Object>) ((List<Object>) json.get("rows")).get(1);
    assertEquals(List.of("a,\"b\"\nc", new BigDecimal("7"), Optional.empty()), row.get("values"));
    assertTrue(text.contains("\"a,\\\"b\\\"\\nc\""), text);
    assertEquals("\"\\u2028\\ud800x\"", ResultExport.jsonString("\u2028\ud800x"));
    assertEquals("\"\ud83d\ude00\"", ResultExport.jsonString("\ud83d\ude00"));
  }

  @Test
  void table_keepsEveryRowOnOneLine() {
    String table = thresholdResult().toTable();
    String[] lines = table.split(System.lineSeparator());
    assertEquals(4, lines.length, table);
    assertTrue(lines[3].startsWith("a,\"b\"\\nc"), table);
    assertTrue(dpResult().toTable().contains("±"), dpResult().toTable());
  }

  @Test
  void table_alignsLettersOutsideTheBasicPlaneAsOneColumn() {
    List<ResultColumn> cols =
        List.of(
            new ResultColumn("label", ColumnType.STRING, false),
            new ResultColumn("n", ColumnType.LONG, true));
    Result r =
        new Result(
            "q4",
            cols,
            List.of(
                new ResultRow(cols, List.of("\ud83d\ude00\ud83d\ude00", 1L)),
                new ResultRow(cols, List.of("ab", 22L))));
    String[] lines = r.toTable().split(System.lineSeparator());
    int width = lines[2].codePointCount(0, lines[2].length());
    assertEquals(width, lines[3].codePointCount(0, lines[3].length()), r.toTable());
    assertEquals(width, lines[0].codePointCount(0, lines[0].length()), r.toTable());
  }
}
