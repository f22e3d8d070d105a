package dev.cleanroom.examples;

import java.util.ArrayList;
import java.util.List;

/** Public group lists for queries that group by two dimensions with public domains. */
final class PublicGroups {
  private PublicGroups() {}

  /** Every pair of a value of {@code first} and a value of {@code second}, first-major order. */
  static List<List<Object>> cross(List<String> first, List<String> second) {
    List<List<Object>> groups = new ArrayList<>();
    for (String a : first) {
      for (String b : second) {
        groups.add(List.of(a, b));
      }
    }
    return groups;
  }
}
