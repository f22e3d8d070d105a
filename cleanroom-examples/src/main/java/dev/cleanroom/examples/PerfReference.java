package dev.cleanroom.examples;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The exact answers of the benchmark's queries, computed by plain Java from the generated {@link
 * Workload} itself (its arrays, not the CSV files), with none of the code that the benchmark
 * measures: not our engine, not DuckDB's SQL, not the row-at-a-time {@link Baseline}. {@link
 * PerfCheck} holds every benchmark row's answers against it.
 *
 * <p>A person is a user id with at least one impression and at least one conversion (the join on
 * user id); a person's total is the exact sum of their purchase values, each clamped to [0, {@value
 * PerfRooms#ROW_MAX}]; Q1 counts each person once in every campaign they saw and adds their total
 * there. The bounded Q1-DP keeps at most {@value PerfRooms#MAX_CAMPAIGNS} campaigns per person and
 * adds each person's total clamped to [0, {@value PerfRooms#CLAMP}]: which campaigns depends on a
 * rank. For DuckDB's SQL the rank is a public hash, so {@link #bounded} gives its exact answer from
 * the hash values; our engine ranks by a keyed hash under a secret of the room, so {@link #expect}
 * gives what a uniformly random choice adds in expectation, and how far it can stray.
 */
final class PerfReference {
  private final long impressionRows;
  private final long conversionRows;

  /** Per person: the user id. */
  private final String[] id;

  /** Per person: campaigns 0–63 as bits. */
  private final long[] low;

  /** Per person: campaigns 64–127 as bits. */
  private final long[] high;

  /** Per person: the number of distinct campaigns. */
  private final int[] campaigns;

  /** Per person: the exact total of their clamped purchase values. */
  private final BigDecimal[] total;

  /** Per person: the total clamped to [0, CLAMP], rounded to a double. */
  private final double[] clamped;

  private final Map<Long, Expectation> singles = new HashMap<>();

  private PerfReference(
      long impressionRows,
      long conversionRows,
      String[] id,
      long[] low,
      long[] high,
      int[] campaigns,
      BigDecimal[] total,
      double[] clamped) {
    this.impressionRows = impressionRows;
    this.conversionRows = conversionRows;
    this.id = id;
    this.low = low;
    this.high = high;
    this.campaigns = campaigns;
    this.total = total;
    this.clamped = clamped;
  }

  /** The reference of workload {@code w}. */
  static PerfReference of(Workload w) {
    if (Workload.CAMPAIGNS > 128) {
      throw new IllegalStateException("campaign sets hold at most 128 campaigns");
    }
    int users = w.userCount();
    long[] lowByUser = new long[users];
    long[] highByUser = new long[users];
    for (int r = 0; r < w.impressionRows(); r++) {
      int u = w.impressionUserNumber(r);
      int c = w.campaign(r);
      if (c < 64) {
        lowByUser[u] |= 1L << c;
      } else {
        highByUser[u] |= 1L << (c - 64);
      }
    }
    BigDecimal[] totalByUser = new BigDecimal[users];
    for (int r = 0; r < w.conversionRows(); r++) {
      int u = w.conversionUserNumber(r);
      // The exact value of the clamped double: no rounding anywhere in the reference's sums.
      BigDecimal v = new BigDecimal(Math.min(PerfRooms.ROW_MAX, Math.max(0, w.value(r))));
      totalByUser[u] = totalByUser[u] == null ? v : totalByUser[u].add(v);
    }
    int people = 0;
    for (int u = 0; u < users; u++) {
      if (totalByUser[u] != null && (lowByUser[u] | highByUser[u]) != 0) {
        people++;
      }
    }
    String[] id = new String[people];
    long[] low = new long[people];
    long[] high = new long[people];
    int[] campaigns = new int[people];
    BigDecimal[] total = new BigDecimal[people];
    double[] clamped = new double[people];
    BigDecimal clamp = new BigDecimal(PerfRooms.CLAMP);
    int p = 0;
    for (int u = 0; u < users; u++) {
      if (totalByUser[u] != null && (lowByUser[u] | highByUser[u]) != 0) {
        id[p] = w.userId(u);
        low[p] = lowByUser[u];
        high[p] = highByUser[u];
        campaigns[p] = Long.bitCount(low[p]) + Long.bitCount(high[p]);
        total[p] = totalByUser[u];
        clamped[p] = totalByUser[u].min(clamp).max(BigDecimal.ZERO).doubleValue();
        p++;
      }
    }
    return new PerfReference(
        w.impressionRows(), w.conversionRows(), id, low, high, campaigns, total, clamped);
  }

  /** The rows of both tables, which a load must read. */
  long loadedRows() {
    return impressionRows + conversionRows;
  }

  /** The conversion rows. */
  long conversionRows() {
    return conversionRows;
  }

  /** The number of people (users in both tables). */
  int people() {
    return id.length;
  }

  /** Whether campaign {@code c} is in the set ({@code lo}, {@code hi}). */
  static boolean has(long lo, long hi, int c) {
    return c < 64 ? (lo >>> c & 1) != 0 : (hi >>> (c - 64) & 1) != 0;
  }

  /**
   * One campaign's exact answer.
   *
   * @param converters the number of people counted in it
   * @param revenue the exact sum of their (clamped) totals
   */
  record Exact(long converters, BigDecimal revenue) {}

  /** Q1: per campaign with at least k people, the people and the exact sum of their totals. */
  SortedMap<Long, Exact> q1() {
    long[] count = new long[Workload.CAMPAIGNS];
    BigDecimal[] sum = new BigDecimal[Workload.CAMPAIGNS];
    for (int p = 0; p < id.length; p++) {
      for (int c = 0; c < Workload.CAMPAIGNS; c++) {
        if (has(low[p], high[p], c)) {
          count[c]++;
          sum[c] = sum[c] == null ? total[p] : sum[c].add(total[p]);
        }
      }
    }
    return threshold(count, sum);
  }

  /**
   * The bounded Q1-DP without noise, with each person's campaigns chosen by {@code ranks}: a person
   * in more than L0 campaigns keeps the L0 of smallest rank (compared as unsigned numbers); k
   * applies to the exact count, as in DuckDB's SQL.
   *
   * @param ranks per user id, the rank of each campaign (indexed by campaign); needed for every
   *     person in more than L0 campaigns
   * @throws IllegalStateException if a needed rank is missing
   */
  SortedMap<Long, Exact> bounded(Map<String, long[]> ranks) {
    long[] count = new long[Workload.CAMPAIGNS];
    BigDecimal[] sum = new BigDecimal[Workload.CAMPAIGNS];
    BigDecimal clamp = new BigDecimal(PerfRooms.CLAMP);
    for (int p = 0; p < id.length; p++) {
      long lo = low[p];
      long hi = high[p];
      if (campaigns[p] > PerfRooms.MAX_CAMPAIGNS) {
        long[] rank = ranks.get(id[p]);
        if (rank == null) {
          throw new IllegalStateException(
              "no ranks for a person in " + campaigns[p] + " campaigns");
        }
        lo = 0;
        hi = 0;
        for (int k = 0; k < PerfRooms.MAX_CAMPAIGNS; k++) {
          int best = -1;
          for (int c = 0; c < Workload.CAMPAIGNS; c++) {
            if (has(low[p], high[p], c)
                && !has(lo, hi, c)
                && (best < 0 || Long.compareUnsigned(rank[c], rank[best]) < 0)) {
              best = c;
            }
          }
          if (best < 64) {
            lo |= 1L << best;
          } else {
            hi |= 1L << (best - 64);
          }
        }
      }
      BigDecimal v = total[p].min(clamp).max(BigDecimal.ZERO);
      for (int c = 0; c < Workload.CAMPAIGNS; c++) {
        if (has(lo, hi, c)) {
          count[c]++;
          sum[c] = sum[c] == null ? v : sum[c].add(v);
        }
      }
    }
    return threshold(count, sum);
  }

  private static SortedMap<Long, Exact> threshold(long[] count, BigDecimal[] sum) {
    SortedMap<Long, Exact> out = new TreeMap<>();
    for (int c = 0; c < count.length; c++) {
      if (count[c] >= PerfRooms.MIN_USERS) {
        out.put((long) c, new Exact(count[c], sum[c]));
      }
    }
    return out;
  }

  /**
   * What the bounded Q1-DP adds up over a set of campaigns, when each person in more than L0
   * campaigns keeps L0 of them chosen uniformly at random, independently of everyone else (as a
   * keyed hash under a secret salt chooses): the expectation of the people counted and of their
   * clamped totals over the set, and for Hoeffding's inequality the sum over people of the squared
   * range of what one person can add.
   *
   * @param converters the expected number of (person, campaign) pairs in the set
   * @param revenue the expected sum of the clamped totals over those pairs
   * @param converterRanges the sum over people of (largest − smallest pairs they can add)²
   * @param revenueRanges the same for revenue
   * @param people the people with at least one campaign in the set
   */
  record Expectation(
      double converters,
      double revenue,
      double converterRanges,
      double revenueRanges,
      long people) {}

  /**
   * The expectation over the campaigns in the set ({@code lo}, {@code hi}); see {@link #expect}.
   */
  Expectation expect(long lo, long hi) {
    boolean single = Long.bitCount(lo) + Long.bitCount(hi) == 1;
    long key = lo != 0 ? Long.numberOfTrailingZeros(lo) : 64 + Long.numberOfTrailingZeros(hi);
    if (single && singles.containsKey(key)) {
      return singles.get(key);
    }
    int l0 = PerfRooms.MAX_CAMPAIGNS;
    double count = 0;
    double revenue = 0;
    double countRanges = 0;
    double revenueRanges = 0;
    long people = 0;
    for (int p = 0; p < id.length; p++) {
      int in = Long.bitCount(low[p] & lo) + Long.bitCount(high[p] & hi);
      if (in == 0) {
        continue;
      }
      people++;
      int k = campaigns[p];
      if (k <= l0) {
        count += in;
        revenue += in * clamped[p];
      } else {
        double e = (double) l0 * in / k;
        int range = Math.min(l0, in) - Math.max(0, l0 - (k - in));
        count += e;
        revenue += e * clamped[p];
        countRanges += (double) range * range;
        revenueRanges += range * clamped[p] * range * clamped[p];
      }
    }
    Expectation out = new Expectation(count, revenue, countRanges, revenueRanges, people);
    if (single) {
      singles.put(key, out);
    }
    return out;
  }

  /**
   * The ranks DuckDB computes with {@code rankExpression} for every (user, campaign) pair of a user
   * in both tables, in a database where {@link DuckDbWorkload#load} loaded the workload. Only the
   * hash values are taken from DuckDB; {@link #bounded} does the rest.
   *
   * @return per user id, the rank of each of their campaigns (indexed by campaign)
   */
  static Map<String, long[]> duckDbRanks(Connection c, String rankExpression) throws SQLException {
    Map<String, long[]> out = new HashMap<>();
    try (Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT user_id, campaign_id, CAST("
                    + rankExpression
                    + " AS VARCHAR) FROM (SELECT DISTINCT i.user_id, i.campaign_id"
                    + " FROM impressions i SEMI JOIN conversions c ON i.user_id = c.user_id)")) {
      while (rs.next()) {
        out.computeIfAbsent(rs.getString(1), u -> new long[Workload.CAMPAIGNS])[
                (int) rs.getLong(2)] =
            Long.parseUnsignedLong(rs.getString(3));
      }
    }
    return out;
  }
}
