package dev.cleanroom;

import java.util.regex.Pattern;

/** Validation of the names of parties, datasets and columns. */
final class Names {
  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");

  private Names() {}

  /**
   * Checks that {@code value} is a valid name: a letter or underscore, then letters, digits or
   * underscores, 128 characters at most.
   */
  static String check(String what, String value) {
    if (value == null) {
      throw new NullPointerException(what + " must not be null");
    }
    if (!NAME.matcher(value).matches()) {
      throw new IllegalArgumentException(
          what
              + " must start with a letter or underscore and contain only letters, digits and"
              + " underscores (at most 128 characters); provided value: '"
              + value
              + "'");
    }
    return value;
  }
}
