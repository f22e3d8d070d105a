package dev.cleanroom.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.query.Result;
import dev.cleanroom.query.ResultRow;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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

  /** Asserts the exact threshold-mode release: every cell with at least k patients, no other. */
  private static void assertThresholdRelease(Map<String, Set<String>> truth, Result result) {
    Map<String, Long> expected = new TreeMap<>();
    List<String> suppressed = new ArrayList<>();
    for (List<Object> cell : HealthcareExample.grid()) {
      String name = cell.get(0) + " / " + cell.get(1);
      int n = truth.getOrDefault(name, Set.of()).size();
      if (n >= HealthcareExample.K) {
        expected.put(name, (long) n);
      } else {
        suppressed.add(name);
      }
    }
    assertEquals(expected, released(result));
    assertEquals(suppressed, HealthcareExample.suppressedCells(result));
  }

  @Test
  void perHospitalCounts_areExact_andSmallCellsSuppressed() {
    assertThresholdRelease(cells(data.hospitalA(), Set.of()), figures.hospitalA());
    assertThresholdRelease(cells(data.hospitalB(), Set.of()), figures.hospitalB());
    assertFalse(HealthcareExample.suppressedCells(figures.hospitalA()).isEmpty());
  }

  @Test
  void patientsAtBothHospitals_areExact() {
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
    assertTrue(!both.isEmpty());
    assertThresholdRelease(cells(data.hospitalA(), both), figures.both());
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
}
