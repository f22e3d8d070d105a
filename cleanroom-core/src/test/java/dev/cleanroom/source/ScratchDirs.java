package dev.cleanroom.source;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A flat temporary directory for the files that property tests write, and its removal. */
final class ScratchDirs {
  private ScratchDirs() {}

  static Path create(String prefix) throws IOException {
    return Files.createTempDirectory(prefix);
  }

  /** Deletes {@code dir} and the files in it (it has no subdirectories). */
  static void delete(Path dir) throws IOException {
    try (var files = Files.list(dir)) {
      for (Path f : files.toList()) {
        Files.delete(f);
      }
    }
    Files.delete(dir);
  }
}
