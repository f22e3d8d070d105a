package dev.cleanroom.dp;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Guards against insecure randomness in the main sources: no {@code java.util.Random} (or its
 * relatives) and no {@code Math.random}; the samplers use no floating point at all.
 */
class SourceHygieneTest {
  private static final Path MAIN = Path.of("src", "main", "java", "dev", "cleanroom", "dp");

  @Test
  void mainSources_useNoInsecureRandomness() throws IOException {
    List<Path> files = sources();
    assertTrue(files.size() >= 10, "main sources not found under " + MAIN.toAbsolutePath());
    for (Path f : files) {
      String text = Files.readString(f, StandardCharsets.UTF_8);
      for (String banned :
          List.of(
              "java.util.Random",
              "Math.random",
              "ThreadLocalRandom",
              "SplittableRandom",
              "new Random(",
              "StrictMath.random")) {
        assertFalse(text.contains(banned), f + " contains " + banned);
      }
    }
  }

  @Test
  void samplers_useNoFloatingPoint() throws IOException {
    for (String name : List.of("ExactSamplers.java", "RandomBits.java", "PooledRandomBits.java")) {
      String code = stripComments(Files.readString(MAIN.resolve(name), StandardCharsets.UTF_8));
      for (String banned : List.of("double", "float", "Math.log", "Math.exp", "Math.pow")) {
        assertFalse(code.contains(banned), name + " contains " + banned);
      }
    }
  }

  private static List<Path> sources() throws IOException {
    try (Stream<Path> s = Files.list(MAIN)) {
      return s.filter(p -> p.toString().endsWith(".java")).collect(Collectors.toList());
    }
  }

  private static String stripComments(String code) {
    return code.replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\\n]*", "");
  }
}
