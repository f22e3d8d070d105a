package dev.cleanroom.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The benchmark command works end to end at a tiny scale, and every row's answers pass the
 * reference check; no timing is asserted.
 */
class PerfTableTest {
  @Test
  void tinyRun_printsEveryRowOfTheTable_andEveryAnswerPassesTheReferenceCheck() throws Exception {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    List<PerfTable.Row> rows;
    try (PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8)) {
      rows = PerfTable.run(Workload.Scale.of("tiny"), true, true, true, out);
    }
    String table = buffer.toString(StandardCharsets.UTF_8);
    assertEquals(15 + DuckDbWorkload.Formulation.values().length, rows.size(), table);
    for (PerfTable.Row r : rows) {
      assertFalse(Double.isNaN(r.medianMs()), r.label() + " failed:\n" + table);
      assertTrue(r.check().ok(), r.label() + " failed its check:\n" + table);
    }
    assertTrue(table.contains("Q1-DP, our engine, in-memory columnar"), table);
    assertTrue(
        table.contains("Q1 (threshold, difference checks), our engine, pushdown on DuckDB"), table);
    assertTrue(table.contains("First answer, ours: load + first Q1-DP, new JVM"), table);
    assertTrue(table.contains("Privacy overhead"), table);
    assertTrue(table.contains("Reference check"), table);
  }

  @Test
  void readme_showsTheSqlThatTheBenchmarkMeasures() throws Exception {
    Path readme = Path.of("README.md");
    if (!Files.exists(readme)) {
      readme = Path.of("..", "README.md");
    }
    String text = Files.readString(readme, StandardCharsets.UTF_8);
    for (DuckDbWorkload.Formulation f : List.of(DuckDbWorkload.Q1, DuckDbWorkload.Q1_DP)) {
      assertTrue(
          text.contains("```sql\n" + f.sql() + "\n```"),
          "the README's Performance section shows " + f.name() + ":\n" + f.sql());
    }
  }
}
