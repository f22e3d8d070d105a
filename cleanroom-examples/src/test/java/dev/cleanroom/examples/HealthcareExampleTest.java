package dev.cleanroom.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.audit.AuditTrails;
import dev.cleanroom.query.Dsl;
import dev.cleanroom.query.QuerySpec;
import dev.cleanroom.query.Result;
import dev.cleanroom.query.ResultRow;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Runs the healthcare example on its own small data and checks the threshold-mode counts exactly
 * (including which cells are suppressed) and the DP counts within the noise margin (false-failure
 * rate: see {@link NoiseBounds}).
 */
class HealthcareExampleTest {
  private static HealthcareExample.Data data;
  private static HealthcareExample.Figures figures;
  private static String printed;

  @BeforeAll
  static void run() {
    data = HealthcareExample.Data.generate(3, 1_500, 800);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    figures = HealthcareExample.run(data, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    printed = bytes.toString(StandardCharsets.UTF_8);
  }

  /** Distinct patients per "condition / age band" cell, over the patients {@code keep} admits. */
  private static Map<String, Set<String>> cells(
      List<HealthcareExample.Diagnosis> rows, Set<String> keep) {
    Map<String, Set<String>> cells = new TreeMap<>();
    for (HealthcareExample.Diagnosis d : rows) {
      if (keep.isEmpty() || keep.contains(d.patientId())) {
        cells
            .computeIfAbsent(d.condition() + " / " + d.ageBand(), c -> new HashSet<>())
            .add(d.patientId());
      }
    }
    return cells;
  }

  private static Map<String, Long> released(Result result) {
    Map<String, Long> out = new TreeMap<>();
    for (ResultRow row : result.rows()) {
      out.put(row.get(0) + " / " + row.get(1), row.getLong("patients"));
    }
    return out;
  }

  /**
   * The threshold-mode release of {@code truth}, in group-key order (the grid's order): every cell
   * with at least k patients whose patients differ by 0 or by k or more from those of every row
   * released before under one of {@code datasets} (the difference check); a released row is
   * remembered under each of them.
   */
  private static Map<String, Long> expectedRelease(
      Map<String, Set<String>> truth,
      Map<String, List<Set<String>>> remembered,
      String... datasets) {
    Map<String, Long> expected = new TreeMap<>();
    for (List<Object> cell : HealthcareExample.grid()) {
      String name = cell.get(0) + " / " + cell.get(1);
      Set<String> patients = truth.getOrDefault(name, Set.of());
      boolean released = patients.size() >= HealthcareExample.K;
      for (String d : datasets) {
        for (Set<String> earlier : remembered.getOrDefault(d, List.of())) {
          int differ = symmetricDifference(patients, earlier);
          released &= differ == 0 || differ >= HealthcareExample.K;
        }
      }
      if (released) {
        expected.put(name, (long) patients.size());
        for (String d : datasets) {
          remembered.computeIfAbsent(d, x -> new ArrayList<>()).add(patients);
        }
      }
    }
    return expected;
  }

  private static int symmetricDifference(Set<String> a, Set<String> b) {
    int common = 0;
    for (String id : a) {
      common += b.contains(id) ? 1 : 0;
    }
    return a.size() + b.size() - 2 * common;
  }

  /** Asserts the exact threshold-mode release, and that the suppressed cells are the others. */
  private static void assertThresholdRelease(Map<String, Long> expected, Result result) {
    List<String> suppressed = new ArrayList<>();
    for (List<Object> cell : HealthcareExample.grid()) {
      String name = cell.get(0) + " / " + cell.get(1);
      if (!expected.containsKey(name)) {
        suppressed.add(name);
      }
    }
    assertEquals(expected, released(result));
    assertEquals(suppressed, HealthcareExample.suppressedCells(result));
  }

  /**
   * The three threshold-mode releases in the order the example runs them, each row checked against
   * the rows released before it under the datasets it touches.
   */
  private static List<Map<String, Long>> expectedReleases() {
    Set<String> inB = new HashSet<>();
    for (HealthcareExample.Diagnosis d : data.hospitalB()) {
      inB.add(d.patientId());
    }
    Set<String> both = new HashSet<>();
    for (HealthcareExample.Diagnosis d : data.hospitalA()) {
      if (inB.contains(d.patientId())) {
        both.add(d.patientId());
      }
    }
    assertFalse(both.isEmpty());
    Map<String, List<Set<String>>> remembered = new HashMap<>();
    String a = "hospital_a.diagnoses";
    String b = "hospital_b.diagnoses";
    return List.of(
        expectedRelease(cells(data.hospitalA(), Set.of()), remembered, a),
        expectedRelease(cells(data.hospitalB(), Set.of()), remembered, b),
        expectedRelease(cells(data.hospitalA(), both), remembered, a, b));
  }

  @Test
  void perHospitalCounts_areExact_andSmallCellsSuppressed() {
    assertThresholdRelease(expectedReleases().get(0), figures.hospitalA());
    assertThresholdRelease(expectedReleases().get(1), figures.hospitalB());
    assertFalse(HealthcareExample.suppressedCells(figures.hospitalA()).isEmpty());
  }

  /**
   * Exact, including the cells the difference check suppresses: a cell of patients at both
   * hospitals whose patients differ by fewer than k from those of a cell released for one hospital
   * alone would reveal the difference by subtraction.
   */
  @Test
  void patientsAtBothHospitals_areExact_withTheDifferenceCheck() {
    assertThresholdRelease(expectedReleases().get(2), figures.both());
    assertFalse(HealthcareExample.suppressedCells(figures.both()).isEmpty());
  }

  @Test
  void dpCounts_releaseEveryCellNearTheTrueCount() {
    Map<String, Set<String>> truth = cells(data.hospitalA(), Set.of());
    Result dp = figures.dpHospitalA();
    assertEquals(HealthcareExample.grid().size(), dp.size());
    for (ResultRow row : dp.rows()) {
      String name = row.get(0) + " / " + row.get(1);
      NoiseBounds.assertNear(
          name,
          row.getDouble("patients"),
          row.noise("patients").orElseThrow(),
          truth.getOrDefault(name, Set.of()).size());
    }
  }

  @Test
  void output_explainsSuppressionWithoutCounts_andEndsWithTheBudget() {
    assertTrue(printed.contains("fewer than 11 patients"), printed);
    assertTrue(printed.contains("Budget left per ledger:"), printed);
    assertTrue(printed.contains("hospital_a.diagnoses/research/lifetime"), printed);
    assertFalse(printed.contains("P0"), "no patient id is printed");
  }

  /** Four threshold-mode queries and two DP queries, which charged hospital A only. */
  @Test
  void auditTrail_verifies_withOneRecordPerQuery() {
    AuditChecks.assertVerified(figures.trail(), 6, printed);
    AuditChecks.assertCharged(
        figures.trail(), "hospital_a", "hospital_a.diagnoses by research: ε 2 in 2");
    AuditChecks.assertCharged(figures.trail(), "hospital_b");
    assertTrue(printed.contains("ε charged on hospital_b's datasets: none"), printed);
  }

  /** Each patient's HbA1c per condition at hospital A (each patient has one value). */
  private static Map<String, List<Double>> labValues() {
    Map<String, List<Double>> out = new TreeMap<>();
    for (HealthcareExample.Diagnosis d : data.hospitalA()) {
      out.computeIfAbsent(d.condition(), c -> new ArrayList<>()).add(d.hba1c());
    }
    return out;
  }

  /** The nearest-rank quantile: the value of rank ⌈p·n⌉ (p·n is exact for p = 1/4, 1/2, 3/4). */
  private static double nearestRank(List<Double> values, double p) {
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    return sorted.get((int) Math.ceil(p * sorted.size()) - 1);
  }

  /**
   * Threshold mode: every released condition has the exact quartiles of its patients' HbA1c; the
   * common conditions are released, and diabetes has the highest median.
   */
  @Test
  void labQuartiles_areExact_inThresholdMode() {
    Map<String, List<Double>> values = labValues();
    Set<String> released = new HashSet<>();
    for (ResultRow row : figures.labs().rows()) {
      String condition = row.getString("condition");
      released.add(condition);
      List<Double> v = values.get(condition);
      assertTrue(v.size() >= HealthcareExample.K, condition);
      assertEquals(nearestRank(v, 0.25), row.getDouble("hba1c_q1"), condition);
      assertEquals(nearestRank(v, 0.5), row.getDouble("median_hba1c"), condition);
      assertEquals(nearestRank(v, 0.75), row.getDouble("hba1c_q3"), condition);
      assertTrue(row.noise("median_hba1c").isEmpty());
    }
    assertTrue(
        released.containsAll(List.of("asthma", "diabetes", "heart_failure")), released::toString);
    assertTrue(nearestRank(values.get("diabetes"), 0.5) > nearestRank(values.get("asthma"), 0.5));
    assertTrue(printed.contains("HbA1c (%) at hospital A by condition"), printed);
  }

  /**
   * Differential privacy: every condition is released (the conditions are public), each quartile
   * within the bounds [4, 14] and inside its 95% interval, Q1 ≤ median ≤ Q3 (all read from one
   * noisy tree, and the reading grows with p), and the three share one budget line. These hold
   * whatever the noise; the coverage of the intervals is tested with the engine (see the core
   * module's QuantileReleaseTest).
   */
  @Test
  void dpLabQuartiles_areOrderedAndBounded_withTheirIntervals() {
    Result dp = figures.dpLabs();
    assertEquals(HealthcareExample.CONDITIONS.size(), dp.size());
    for (ResultRow row : dp.rows()) {
      double previous = HealthcareExample.HBA1C_LOWER;
      for (String column : List.of("hba1c_q1", "median_hba1c", "hba1c_q3")) {
        double v = row.getDouble(column);
        var noise = row.noise(column).orElseThrow();
        assertTrue(v >= previous && v <= HealthcareExample.HBA1C_UPPER, column + " " + v);
        assertTrue(noise.lower() <= v && v <= noise.upper(), noise::toString);
        assertTrue(
            noise.lower() >= HealthcareExample.HBA1C_LOWER
                && noise.upper() <= HealthcareExample.HBA1C_UPPER,
            noise::toString);
        previous = v;
      }
    }
    assertTrue(
        dp.privacy().toString().contains("hba1c_q1, median_hba1c, hba1c_q3: ε=1"),
        dp.privacy()::toString);
  }

  @Test
  void sqlQuery_compilesToTheBuilderQuery() {
    CleanRoom room = HealthcareExample.room(data, false, AuditTrails.inMemory());
    QuerySpec builder =
        room.as("research")
            .from("hospital_a.diagnoses")
            .join("hospital_b.diagnoses")
            .onUserId()
            .groupBy("hospital_a.diagnoses.condition", "hospital_a.diagnoses.ageBand")
            .select(Dsl.countDistinctUsers().as("patients"))
            .spec();
    assertEquals(builder, room.as("research").sql(HealthcareExample.BOTH_HOSPITALS_SQL).spec());
  }

  @Test
  void report_namesEverySuppressedCell_withoutItsCount() {
    String html = figures.report();
    ReportMarkup.assertStatic(html);
    int cells = HealthcareExample.grid().size();
    assertEquals(
        List.of(
            figures.hospitalA().size(),
            figures.hospitalB().size(),
            figures.both().size(),
            figures.dpHospitalA().size()),
        ReportMarkup.barsPerChart(html));
    int suppressed =
        HealthcareExample.suppressedCells(figures.hospitalA()).size()
            + HealthcareExample.suppressedCells(figures.hospitalB()).size()
            + HealthcareExample.suppressedCells(figures.both()).size()
            + HealthcareExample.suppressedCells(figures.dpHospitalA()).size();
    assertTrue(suppressed > 0, "the example's data has cells under k");
    assertEquals(suppressed, ReportMarkup.count(html, ">suppressed</text>"));
    assertEquals(suppressed, ReportMarkup.count(html, "suppressed: not released"));
    assertTrue(html.contains("<h3>hospital_a.diagnoses</h3>"), html);
    assertTrue(html.contains("at least 11 distinct people"), html);
    assertTrue(html.contains("hospital_a.diagnoses/research/"), html);
    assertEquals(4, ReportMarkup.count(html, "of the " + cells + " expected groups"));
  }
}
