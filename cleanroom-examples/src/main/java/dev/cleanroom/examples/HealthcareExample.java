package dev.cleanroom.examples;

import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static dev.cleanroom.query.Dsl.median;
import static dev.cleanroom.query.Dsl.quantile;

import dev.cleanroom.AggregateFunction;
import dev.cleanroom.CleanRoom;
import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import dev.cleanroom.PrivacyBudget;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.audit.AuditTrails;
import dev.cleanroom.query.FinalStage;
import dev.cleanroom.query.Result;
import dev.cleanroom.query.ResultRow;
import dev.cleanroom.report.HtmlReport;
import dev.cleanroom.source.InMemorySource;
import dev.cleanroom.spi.AuditTrail;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Two hospitals and a research team. Each hospital brings its diagnoses (patient id, condition, age
 * band); a research team counts patients by condition × age band. Cells with fewer than 11 patients
 * are suppressed, the small-cell rule of public-health statistics; a second room where the
 * hospitals require differential privacy releases every cell of the public condition × age band
 * grid with noise instead. What was suppressed is shown only as cells of that public grid, never
 * with a count. Each patient also has a lab value, HbA1c (in %, bounds [4, 14] declared by the
 * hospitals): the team reports its median and interquartile range per condition, exact in the
 * threshold room and with 95% intervals in the differential-privacy room.
 *
 * <p>Run it with {@code mvn -B -q -pl cleanroom-examples -am compile exec:java
 * -Dexec.mainClass=dev.cleanroom.examples.HealthcareExample}.
 */
public final class HealthcareExample {
  private static final String EXAMPLE_KEY = "healthcare";

  private HealthcareExample() {}

  /** The minimum number of distinct patients per released cell. */
  static final int K = 11;

  static final List<String> CONDITIONS =
      List.of("asthma", "copd", "diabetes", "heart_failure", "sickle_cell");
  static final List<String> AGE_BANDS = List.of("0-17", "18-39", "40-64", "65+");

  /** The hospitals' bounds of a patient's HbA1c, in %. */
  static final double HBA1C_LOWER = 4;

  static final double HBA1C_UPPER = 14;

  /** Relative frequency of each condition; sickle-cell disease is rare. */
  private static final double[] PREVALENCE = {0.31, 0.15, 0.36, 0.17, 0.01};

  /**
   * One diagnosis recorded by a hospital.
   *
   * @param patientId the patient's national id (shared by both hospitals)
   * @param condition the diagnosed condition
   * @param ageBand the patient's age band
   * @param hba1c the patient's latest HbA1c, in % (the same on each of the patient's diagnoses)
   */
  public record Diagnosis(String patientId, String condition, String ageBand, double hba1c) {}

  /**
   * Both hospitals' seeded synthetic diagnoses.
   *
   * @param hospitalA the first hospital's diagnoses
   * @param hospitalB the second hospital's diagnoses
   */
  public record Data(List<Diagnosis> hospitalA, List<Diagnosis> hospitalB) {
    /**
     * Generates the data: each patient has one age band, one to three conditions and one HbA1c
     * (higher with diabetes; drawn from a second generator, so the diagnoses do not depend on it);
     * a share of the first hospital's patients were referred to the second, with the same
     * diagnoses.
     *
     * @param seed the random seed
     * @param patientsA patients of the first hospital
     * @param patientsB patients only at the second hospital
     * @return the data; the same seed and sizes always give the same data
     */
    public static Data generate(long seed, int patientsA, int patientsB) {
      SplittableRandom rnd = new SplittableRandom(seed);
      SplittableRandom lab = new SplittableRandom(seed * 31 + 7);
      List<Diagnosis> a = new ArrayList<>();
      List<Diagnosis> b = new ArrayList<>();
      for (int p = 0; p < patientsA + patientsB; p++) {
        String id = String.format(Locale.ROOT, "P%07d", p);
        String band = AGE_BANDS.get(ageBand(rnd));
        Set<String> conditions = new LinkedHashSet<>();
        int n = 1 + rnd.nextInt(3);
        while (conditions.size() < n) {
          conditions.add(condition(rnd, band));
        }
        boolean inA = p < patientsA;
        boolean inB = !inA || rnd.nextInt(5) == 0;
        double hba1c = hba1c(lab, conditions.contains("diabetes"));
        for (String c : conditions) {
          if (inA) {
            a.add(new Diagnosis(id, c, band, hba1c));
          }
          if (inB) {
            b.add(new Diagnosis(id, c, band, hba1c));
          }
        }
      }
      return new Data(a, b);
    }

    /** An HbA1c in %, to one decimal: about 5.4 without diabetes, 7.5 and wider with it. */
    private static double hba1c(SplittableRandom lab, boolean diabetes) {
      double v = diabetes ? 7.5 + 1.3 * lab.nextGaussian() : 5.4 + 0.4 * lab.nextGaussian();
      return Math.min(HBA1C_UPPER, Math.max(HBA1C_LOWER, Math.round(v * 10) / 10.0));
    }

    private static int ageBand(SplittableRandom rnd) {
      double u = rnd.nextDouble();
      return u < 0.15 ? 0 : u < 0.40 ? 1 : u < 0.75 ? 2 : 3;
    }

    private static String condition(SplittableRandom rnd, String band) {
      double u = rnd.nextDouble();
      for (int i = 0; i < PREVALENCE.length; i++) {
        u -= PREVALENCE[i];
        if (u < 0) {
          // COPD and heart failure are rare in children: most such draws become asthma.
          boolean adultOnly = i == 1 || i == 3;
          return adultOnly && band.equals("0-17") && rnd.nextInt(20) > 0
              ? "asthma"
              : CONDITIONS.get(i);
        }
      }
      return CONDITIONS.get(0);
    }
  }

  /**
   * The released answers of the example, for tests.
   *
   * @param hospitalA hospital A's counts, threshold mode
   * @param hospitalB hospital B's counts, threshold mode
   * @param both counts of patients treated at both hospitals, threshold mode
   * @param dpHospitalA hospital A's counts under differential privacy, every cell released
   * @param labs hospital A's HbA1c quartiles per condition, threshold mode (exact)
   * @param dpLabs hospital A's HbA1c quartiles per condition under differential privacy
   * @param report the HTML report of the four results, both hospitals' policies (in DP mode) and
   *     the research team's budget left
   * @param trail the audit trail of both rooms
   */
  record Figures(
      Result hospitalA,
      Result hospitalB,
      Result both,
      Result dpHospitalA,
      Result labs,
      Result dpLabs,
      String report,
      AuditTrail trail) {}

  /** Where {@link #main} writes the report. */
  static final Path REPORT = Path.of("target", "healthcare-report.html");

  /**
   * Runs the example on 1,500 patients of hospital A and 800 more of hospital B and writes its HTML
   * report to {@code target/healthcare-report.html}.
   *
   * @param args none
   * @throws IOException if the report cannot be written
   */
  public static void main(String[] args) throws IOException {
    Figures figures = run(Data.generate(11, 1_500, 800), System.out);
    Reports.write(REPORT, figures.report(), System.out);
  }

  /**
   * Registers both hospitals' datasets in a new room that records to {@code trail}; with {@code
   * requireDp}, both hospitals require differential privacy.
   */
  static CleanRoom room(Data data, boolean requireDp, AuditTrail trail) {
    CleanRoom room =
        CleanRoom.builder().secretKey(DemoKey.of(EXAMPLE_KEY)).auditSink(trail).build();
    room.register(dataset("hospital_a", data.hospitalA(), requireDp));
    room.register(dataset("hospital_b", data.hospitalB(), requireDp));
    return room;
  }

  /** One hospital's diagnoses, as {@link #room} registers them. */
  static Dataset dataset(String hospital, List<Diagnosis> rows, boolean requireDp) {
    InMemorySource source = InMemorySource.ofRecords("diagnoses", Diagnosis.class, rows);
    if (hospital.equals("hospital_a")) {
      // Hospital A's roles and rules come from the document it signed off; the same rules as
      // hospital B's below, written as a reviewable file.
      return PolicyFiles.load(
              requireDp ? "hospital_a-diagnoses-dp.yaml" : "hospital_a-diagnoses.yaml")
          .dataset(source);
    }
    Policy.Builder policy =
        Policy.builder()
            .allowAnalysts("research")
            .allowJoinOn("patientId")
            .minDistinctUsers(K)
            .maxGroupsPerUser(3)
            .allowAggregates("hba1c", AggregateFunction.QUANTILE);
    if (requireDp) {
      policy.differentialPrivacy(PrivacyBudget.epsilonDelta(3, 1e-6), 1.0);
    }
    return Dataset.builder(hospital, "diagnoses")
        .source(source)
        .userId("patientId", UserIdFormat.RAW)
        .dimensions("condition", "ageBand")
        .metric("hba1c", HBA1C_LOWER, HBA1C_UPPER)
        .policy(policy.build())
        .build();
  }

  /** Every condition × age band: the public grid of cells. */
  static List<List<Object>> grid() {
    return PublicGroups.cross(CONDITIONS, AGE_BANDS);
  }

  static Figures run(Data data, PrintStream out) {
    out.printf(
        Locale.ROOT,
        "Two hospitals and a research team: %,d and %,d diagnoses%n%n",
        data.hospitalA().size(),
        data.hospitalB().size());
    // One audit trail for both rooms: the host operator keeps a single verifiable record.
    AuditTrail trail = AuditTrails.inMemory();
    CleanRoom room = room(data, false, trail);
    Result a = count(room, "hospital_a.diagnoses");
    Result b = count(room, "hospital_b.diagnoses");
    // As SQL text; the builder's twin is from("hospital_a.diagnoses").join("hospital_b.diagnoses")
    // .onUserId().groupBy("hospital_a.diagnoses.condition", "hospital_a.diagnoses.ageBand")
    // .select(countDistinctUsers().as("patients")).
    Result both = room.as("research").sql(BOTH_HOSPITALS_SQL).run();
    show(out, "Patients at hospital A by condition and age band (k = " + K + "):", a);
    show(out, "Patients at hospital B by condition and age band (k = " + K + "):", b);
    show(out, "Patients treated at both hospitals (joined on the patient id, never shown):", both);
    Result labs = labs(room).run();
    out.println(
        "HbA1c (%) at hospital A by condition: median and interquartile range over the patients,"
            + " exact (k = "
            + K
            + "):");
    out.println(labs.toTable());
    out.println();

    CleanRoom dpRoom = room(data, true, trail);
    Result dp =
        dpRoom
            .as("research")
            .from("hospital_a.diagnoses")
            .groupBy("condition", "ageBand")
            .select(countDistinctUsers().as("patients"))
            .epsilon(1.0)
            .publicGroups(grid())
            .run();
    out.println(
        "Hospital A with differential privacy (ε = 1; the grid is public, so every cell is"
            + " released with noise and nothing needs suppressing):");
    out.println(dp.toTable());
    out.println(dp.privacy());
    out.println();
    Result dpLabs = labs(dpRoom).epsilon(1.0).publicGroupValues(CONDITIONS.toArray()).run();
    out.println(
        "HbA1c (%) at hospital A by condition with differential privacy (ε = 1, one noisy"
            + " quantile tree per condition shared by the three quartiles; 95% intervals):");
    out.println(dpLabs.toTable());
    out.println(dpLabs.privacy());
    out.println();
    Budgets.printSummary(out, trail, List.of("hospital_a", "hospital_b"), dp, dpLabs);
    String report =
        HtmlReport.builder("Two hospitals and a research team")
            .result("Patients at hospital A by condition and age band (k = " + K + ")", a, grid())
            .result("Patients at hospital B by condition and age band (k = " + K + ")", b, grid())
            .result("Patients treated at both hospitals", both, grid())
            .result(
                "Hospital A with differential privacy (ε = 1; the grid is public, so every cell"
                    + " is released with noise)",
                dp,
                grid())
            .dataset(dataset("hospital_a", data.hospitalA(), true))
            .dataset(dataset("hospital_b", data.hospitalB(), true))
            .budgets(dpRoom.budgets("research"))
            .build()
            .html();
    return new Figures(a, b, both, dp, labs, dpLabs, report, trail);
  }

  /** The quartiles of HbA1c per condition at hospital A: Q1, median and Q3. */
  static FinalStage labs(CleanRoom room) {
    return room.as("research")
        .from("hospital_a.diagnoses")
        .groupBy("condition")
        .select(
            quantile("hba1c", 0.25).as("hba1c_q1"),
            median("hba1c"),
            quantile("hba1c", 0.75).as("hba1c_q3"));
  }

  /** Patients treated at both hospitals, as SQL text (see the README's section "SQL text"). */
  static final String BOTH_HOSPITALS_SQL =
      """
      SELECT hospital_a.diagnoses.condition, hospital_a.diagnoses.ageBand,
             COUNT(DISTINCT USER_ID) AS patients
      FROM hospital_a.diagnoses
      JOIN hospital_b.diagnoses USING (USER_ID)
      GROUP BY hospital_a.diagnoses.condition, hospital_a.diagnoses.ageBand""";

  private static Result count(CleanRoom room, String dataset) {
    return room.as("research")
        .from(dataset)
        .groupBy("condition", "ageBand")
        .select(countDistinctUsers().as("patients"))
        .run();
  }

  /** The cells of the public grid that a threshold-mode result does not contain. */
  static List<String> suppressedCells(Result result) {
    Set<String> released = new HashSet<>();
    for (ResultRow row : result.rows()) {
      released.add(row.get(0) + " / " + row.get(1));
    }
    List<String> missing = new ArrayList<>();
    for (List<Object> cell : grid()) {
      String name = cell.get(0) + " / " + cell.get(1);
      if (!released.contains(name)) {
        missing.add(name);
      }
    }
    return missing;
  }

  private static void show(PrintStream out, String title, Result result) {
    out.println(title);
    out.println(result.toTable());
    List<String> missing = suppressedCells(result);
    out.printf(Locale.ROOT, "Released %d of %d cells.", result.size(), grid().size());
    if (missing.isEmpty()) {
      out.println(" Nothing was suppressed.");
    } else {
      out.printf(
          Locale.ROOT,
          " Suppressed %d: each had fewer than %d patients (possibly none), or its patients"
              + " differ by fewer than %d from those of a cell released before (the difference"
              + " check); it is absent from the result and its count is released in no form:%n"
              + "  %s%n",
          missing.size(),
          K,
          K,
          String.join(", ", missing));
    }
    out.println();
  }
}
