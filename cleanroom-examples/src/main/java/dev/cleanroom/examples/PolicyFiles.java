package dev.cleanroom.examples;

import dev.cleanroom.policy.PolicyDocument;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The policy documents that ship with the examples, under {@code policies/} on the class path: each
 * owner's signed-off roles and rules, read with {@link PolicyDocument#parse(String)}.
 */
final class PolicyFiles {
  private PolicyFiles() {}

  /**
   * The document {@code policies/<file>}.
   *
   * @throws UncheckedIOException if it is missing or unreadable
   * @throws dev.cleanroom.policy.PolicyDocumentException if it is not a valid policy document
   */
  static PolicyDocument load(String file) {
    try (InputStream in = PolicyFiles.class.getResourceAsStream("/policies/" + file)) {
      if (in == null) {
        throw new UncheckedIOException(new IOException("no policy document policies/" + file));
      }
      return PolicyDocument.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
