package dev.cleanroom.examples;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * The straightforward row-at-a-time Java implementation of the workload's queries that the
 * benchmarks compare against: one object per row, a {@link HashMap} join on the user id string, and
 * {@link HashSet}s of users per campaign. It has no policies, no pseudonymization and no audit.
 */
final class Baseline {
  private Baseline() {}

  /** An impression row. */
  record Impression(String user, int campaign, long ts) {}

  /** A conversion row. */
  record Conversion(String user, double value) {}

  /** Reads the impressions CSV file line by line into row objects. */
  static List<Impression> readImpressions(Path file) throws IOException {
    List<Impression> out = new ArrayList<>();
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      r.readLine();
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        String[] f = line.split(",", -1);
        out.add(new Impression(f[0], Integer.parseInt(f[1]), Long.parseLong(f[2])));
      }
    }
    return out;
  }

  /** Reads the conversions CSV file line by line into row objects. */
  static List<Conversion> readConversions(Path file) throws IOException {
    List<Conversion> out = new ArrayList<>();
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      r.readLine();
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        String[] f = line.split(",", -1);
        out.add(new Conversion(f[0], Double.parseDouble(f[1])));
      }
    }
    return out;
  }

  /** Per campaign: distinct converting users and the sum of their purchase values. */
  static Map<Integer, double[]> q1(List<Impression> impressions, List<Conversion> conversions) {
    Map<String, Double> totals = new HashMap<>();
    for (Conversion c : conversions) {
      totals.merge(c.user(), Math.min(10_000, Math.max(0, c.value())), Double::sum);
    }
    Map<Integer, Set<String>> users = new HashMap<>();
    for (Impression i : impressions) {
      if (totals.containsKey(i.user())) {
        users.computeIfAbsent(i.campaign(), x -> new HashSet<>()).add(i.user());
      }
    }
    Map<Integer, double[]> out = new TreeMap<>();
    users.forEach(
        (campaign, set) -> {
          double sum = 0;
          for (String u : set) {
            sum += totals.get(u);
          }
          if (set.size() >= 50) {
            out.put(campaign, new double[] {set.size(), sum});
          }
        });
    return out;
  }

  /**
   * Q1 with each person in at most 5 campaigns (a random choice per person), each person's total
   * per campaign clamped to [0, 500], Laplace noise on both aggregates and a threshold of 50 on the
   * noisy count.
   */
  static Map<Integer, double[]> q1Dp(
      List<Impression> impressions, List<Conversion> conversions, long seed) {
    Map<String, Double> totals = new HashMap<>();
    for (Conversion c : conversions) {
      totals.merge(c.user(), Math.min(10_000, Math.max(0, c.value())), Double::sum);
    }
    Map<String, Set<Integer>> campaigns = new HashMap<>();
    for (Impression i : impressions) {
      if (totals.containsKey(i.user())) {
        campaigns.computeIfAbsent(i.user(), x -> new HashSet<>()).add(i.campaign());
      }
    }
    SplittableRandom random = new SplittableRandom(seed);
    Map<Integer, double[]> groups = new HashMap<>();
    campaigns.forEach(
        (user, set) -> {
          List<Integer> list = new ArrayList<>(set);
          for (int k = 0; k < 5 && k < list.size(); k++) {
            int pick = k + random.nextInt(list.size() - k);
            Integer c = list.get(pick);
            list.set(pick, list.get(k));
            list.set(k, c);
            double[] g = groups.computeIfAbsent(c, x -> new double[2]);
            g[0]++;
            g[1] += Math.min(500, totals.get(user));
          }
        });
    Map<Integer, double[]> out = new TreeMap<>();
    double scale = 5 / (1.0 / 3);
    groups.forEach(
        (campaign, g) -> {
          double count = g[0] + laplace(random, scale);
          if (count >= 50) {
            out.put(campaign, new double[] {count, g[1] + laplace(random, scale * 500)});
          }
        });
    return out;
  }

  private static double laplace(SplittableRandom random, double scale) {
    double u = random.nextDouble() - 0.5;
    return -scale * Math.signum(u) * Math.log(1 - 2 * Math.abs(u));
  }
}
