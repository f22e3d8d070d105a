package dev.cleanroom.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's quick start is the source of this test: its Java block is compiled with the JDK's
 * {@code javac} against the library's jars and run as a program on small data ({@link
 * ReadmePrograms}), so the docs cannot drift from the code.
 */
class QuickStartTest {
  @Test
  void readmeQuickStart_compilesRuns_andReleasesOnlyLargeGroups(@TempDir Path dir)
      throws Exception {
    // Campaign 1: 300 people in DE or FR, all buyers; campaign 2: 100 people, 40 of them buyers
    // (the program's conversions are person0..person339, written loosely).
    StringBuilder csv = new StringBuilder("email,campaign_id,country\n");
    for (int i = 0; i < 400; i++) {
      csv.append("person")
          .append(i)
          .append("@example.com,")
          .append(i < 300 ? 1 : 2)
          .append(',')
          .append(i % 2 == 0 ? "DE" : "FR")
          .append('\n');
    }
    Path impressions = dir.resolve("impressions.csv");
    Files.writeString(impressions, csv, StandardCharsets.UTF_8);

    String out =
        ReadmePrograms.compileAndRun(
            dir,
            "QuickStart",
            ReadmePrograms.javaBlock("Quick start", "QuickStart"),
            env -> env.remove("CLEANROOM_KEY"),
            impressions.toString());

    List<String> rows = out.lines().map(String::strip).filter(l -> l.matches("\\d+ .*")).toList();
    // Campaign 1 has 300 converters; campaign 2 has 40, below k = 50, and is suppressed.
    assertEquals(1, rows.size(), out);
    assertTrue(rows.get(0).matches("1\\s+300\\s+.*"), out);
    assertTrue(out.contains("converters") && out.contains("revenue"), out);
    assertFalse(out.contains("@example.com"), out);
  }
}
