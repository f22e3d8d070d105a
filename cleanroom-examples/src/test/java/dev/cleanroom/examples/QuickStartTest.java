package dev.cleanroom.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's quick start is the source of this test: its Java block is compiled with the JDK's
 * {@code javac} against the library's jars and run as a program on small data, so the docs cannot
 * drift from the code.
 */
class QuickStartTest {
  private static final String START = "```java\n";

  /** The Java block of the README's "Quick start" section that declares {@code QuickStart}. */
  static String quickStartSource() throws IOException {
    Path readme = Path.of("README.md");
    if (!Files.exists(readme)) {
      readme = Path.of("..", "README.md");
    }
    String text = Files.readString(readme, StandardCharsets.UTF_8);
    int section = text.indexOf("\n## Quick start\n");
    assertTrue(section >= 0, "README has a Quick start section");
    int end = text.indexOf("\n## ", section + 1);
    String quickStart = text.substring(section, end);
    int from = quickStart.indexOf(START + "import ");
    assertTrue(from >= 0, "the Quick start has a Java block with its imports");
    int to = quickStart.indexOf("\n```", from + START.length());
    String source = quickStart.substring(from + START.length(), to + 1);
    assertTrue(source.contains("public class QuickStart"), source);
    return source;
  }

  @Test
  void readmeQuickStart_compilesRuns_andReleasesOnlyLargeGroups(@TempDir Path dir)
      throws Exception {
    Files.writeString(dir.resolve("QuickStart.java"), quickStartSource(), StandardCharsets.UTF_8);
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

    String classpath = classpath();
    Path classes = dir.resolve("classes");
    run(
        dir,
        List.of(
            tool("javac"),
            "-d",
            classes.toString(),
            "-cp",
            classpath,
            dir.resolve("QuickStart.java").toString()));
    String out =
        run(
            dir,
            List.of(
                tool("java"),
                "-cp",
                classes + File.pathSeparator + classpath,
                "QuickStart",
                impressions.toString()));

    List<String> rows = out.lines().map(String::strip).filter(l -> l.matches("\\d+ .*")).toList();
    // Campaign 1 has 300 converters; campaign 2 has 40, below k = 50, and is suppressed.
    assertEquals(1, rows.size(), out);
    assertTrue(rows.get(0).matches("1\\s+300\\s+.*"), out);
    assertTrue(out.contains("converters") && out.contains("revenue"), out);
    assertFalse(out.contains("@example.com"), out);
  }

  /** The jars of the library and its dependencies, as this test runs with them. */
  private static String classpath() {
    return Stream.of(System.getProperty("jdk.module.path"), System.getProperty("java.class.path"))
        .filter(p -> p != null && !p.isEmpty())
        .flatMap(p -> Stream.of(p.split(File.pathSeparator)))
        .filter(e -> !e.isEmpty())
        .distinct()
        .collect(Collectors.joining(File.pathSeparator));
  }

  private static String tool(String name) {
    return Path.of(System.getProperty("java.home"), "bin", name).toString();
  }

  /** Runs {@code command} in {@code dir} and returns its output, failing unless it exits 0. */
  private static String run(Path dir, List<String> command) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command)).directory(dir.toFile());
    pb.environment().remove("CLEANROOM_KEY");
    pb.redirectErrorStream(true);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "timed out: " + command.get(0));
    assertEquals(0, p.exitValue(), () -> command.get(0) + " failed:\n" + out);
    return out;
  }
}
