package dev.cleanroom.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The whole programs of the README, as tests run them: a section's Java block is compiled with the
 * JDK's {@code javac} against the library's jars and run as a program, so the docs cannot drift
 * from the code.
 */
final class ReadmePrograms {
  private static final String START = "```java\n";

  private ReadmePrograms() {}

  /**
   * The Java block of the README section titled {@code section} (a {@code ## } heading) that starts
   * with its imports and declares {@code public class className}.
   */
  static String javaBlock(String section, String className) throws IOException {
    Path readme = Path.of("README.md");
    if (!Files.exists(readme)) {
      readme = Path.of("..", "README.md");
    }
    String text = Files.readString(readme, StandardCharsets.UTF_8);
    int start = text.indexOf("\n## " + section + "\n");
    assertTrue(start >= 0, "README has a section " + section);
    int end = text.indexOf("\n## ", start + 1);
    String body = end < 0 ? text.substring(start) : text.substring(start, end);
    int from = body.indexOf(START + "import ");
    assertTrue(from >= 0, "the section " + section + " has a Java block with its imports");
    int to = body.indexOf("\n```", from + START.length());
    String source = body.substring(from + START.length(), to + 1);
    assertTrue(source.contains("public class " + className + " "), source);
    return source;
  }

  /**
   * Writes {@code source} to {@code className.java} in {@code dir}, compiles it against the class
   * path this test runs with and runs its {@code main} with {@code args} in {@code dir}, in an
   * environment that {@code environment} may change (it starts as this process's).
   *
   * @return the program's output, standard error included
   */
  static String compileAndRun(
      Path dir,
      String className,
      String source,
      Consumer<Map<String, String>> environment,
      String... args)
      throws Exception {
    Path file = dir.resolve(className + ".java");
    Files.writeString(file, source, StandardCharsets.UTF_8);
    String classpath = classpath();
    Path classes = dir.resolve("classes");
    run(
        dir,
        List.of(tool("javac"), "-d", classes.toString(), "-cp", classpath, file.toString()),
        environment);
    List<String> command = new ArrayList<>();
    command.addAll(
        List.of(tool("java"), "-cp", classes + File.pathSeparator + classpath, className));
    command.addAll(List.of(args));
    return run(dir, command, environment);
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
  private static String run(
      Path dir, List<String> command, Consumer<Map<String, String>> environment) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
    environment.accept(pb.environment());
    pb.redirectErrorStream(true);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "timed out: " + command.get(0));
    assertEquals(0, p.exitValue(), () -> command.get(0) + " failed:\n" + out);
    return out;
  }
}
