package dev.cleanroom.examples;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes an example's HTML report and says where. */
final class Reports {
  private Reports() {}

  /** Writes {@code html} to {@code file}, creating its directory, and prints where it went. */
  static void write(Path file, String html, PrintStream out) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.writeString(file, html, StandardCharsets.UTF_8);
    out.println();
    out.println("Report with charts written to " + file + " (open it in a browser)");
  }
}
