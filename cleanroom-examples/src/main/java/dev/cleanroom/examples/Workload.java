package dev.cleanroom.examples;

import dev.cleanroom.Column;
import dev.cleanroom.ColumnType;
import dev.cleanroom.Schema;
import dev.cleanroom.source.ColumnarSource;
import dev.cleanroom.source.InMemorySource;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The standard clean-room workload of the benchmarks, generated from a seed: publisher impressions
 * (user id, campaign 0–99, timestamp) and advertiser conversions (user id, log-normal purchase
 * value up to 10,000), where about half of the converting users also saw impressions.
 *
 * <p>Rows are held as primitive arrays over a table of distinct user ids, so the generator itself
 * stays small; {@link #writeCsv}, {@link #inMemory} and {@link #columnar} turn it into the inputs
 * of each benchmarked engine.
 */
public final class Workload {
  /** Campaign ids are 0 to {@code CAMPAIGNS - 1}. */
  public static final int CAMPAIGNS = 100;

  /** The schema of the impressions: user id, campaign, timestamp (epoch seconds). */
  public static final Schema IMPRESSIONS =
      new Schema(
          List.of(
              new Column("user_id", ColumnType.STRING),
              new Column("campaign_id", ColumnType.LONG),
              new Column("ts", ColumnType.LONG)));

  /** The schema of the conversions: user id, purchase value. */
  public static final Schema CONVERSIONS =
      new Schema(
          List.of(
              new Column("user_id", ColumnType.STRING), new Column("value", ColumnType.DOUBLE)));

  private static final long START = 1_700_000_000L;
  private static final int DAYS = 30;

  /**
   * The size of a workload.
   *
   * @param impressions impression rows
   * @param conversions conversion rows
   */
  public record Scale(int impressions, int conversions) {
    /** Rows must be positive. */
    public Scale {
      if (impressions < 10 || conversions < 10) {
        throw new IllegalArgumentException(
            "a scale needs at least 10 rows per table; provided: "
                + impressions
                + "/"
                + conversions);
      }
    }

    /** Distinct users among the impressions: one per five rows. */
    public int impressionUsers() {
      return impressions / 5;
    }

    /** Distinct users among the conversions: six per ten rows. */
    public int conversionUsers() {
      return conversions / 10 * 6;
    }

    /**
     * A named scale: {@code tiny} (100,000 / 40,000, for tests: few rows, but enough converters per
     * campaign for every campaign to pass the threshold and the private selection of groups),
     * {@code small} (1M / 100k), {@code small2x}, {@code small4x} (multiples of small) or {@code
     * full} (10M / 1M).
     *
     * @throws IllegalArgumentException for another name
     */
    public static Scale of(String name) {
      return switch (name.toLowerCase(Locale.ROOT)) {
        case "tiny" -> new Scale(100_000, 40_000);
        case "small" -> new Scale(1_000_000, 100_000);
        case "small2x" -> new Scale(2_000_000, 200_000);
        case "small4x" -> new Scale(4_000_000, 400_000);
        case "full" -> new Scale(10_000_000, 1_000_000);
        default ->
            throw new IllegalArgumentException(
                "scale must be tiny, small, small2x, small4x or full; provided value: " + name);
      };
    }
  }

  private final Scale scale;
  private final String[] ids;
  private final int[] impressionUser;
  private final int[] campaign;
  private final long[] timestamp;
  private final int[] conversionUser;
  private final double[] value;

  private Workload(
      Scale scale,
      String[] ids,
      int[] impressionUser,
      int[] campaign,
      long[] timestamp,
      int[] conversionUser,
      double[] value) {
    this.scale = scale;
    this.ids = ids;
    this.impressionUser = impressionUser;
    this.campaign = campaign;
    this.timestamp = timestamp;
    this.conversionUser = conversionUser;
    this.value = value;
  }

  /**
   * Generates the workload of {@code scale} from {@code seed}: the same seed and scale give the
   * same rows.
   */
  public static Workload generate(Scale scale, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    int users = scale.impressionUsers();
    int converters = scale.conversionUsers();
    int shared = converters / 2;
    // Users 0..users-1 saw impressions; converters are 0..shared-1 and users..users+rest-1.
    String[] ids = new String[users + converters - shared];
    for (int u = 0; u < ids.length; u++) {
      ids[u] = String.format(Locale.ROOT, "user-%09d", u);
    }
    int[] impressionUser = new int[scale.impressions()];
    int[] campaign = new int[scale.impressions()];
    long[] timestamp = new long[scale.impressions()];
    for (int r = 0; r < impressionUser.length; r++) {
      impressionUser[r] = random.nextInt(users);
      campaign[r] = random.nextInt(CAMPAIGNS);
      timestamp[r] = START + random.nextLong(DAYS * 86_400L);
    }
    int[] conversionUser = new int[scale.conversions()];
    double[] value = new double[scale.conversions()];
    for (int r = 0; r < conversionUser.length; r++) {
      int c = random.nextInt(converters);
      conversionUser[r] = c < shared ? c : users + (c - shared);
      double v = Math.exp(3.5 + 1.2 * gaussian(random));
      value[r] = Math.min(10_000, Math.round(v * 100) / 100.0);
    }
    return new Workload(scale, ids, impressionUser, campaign, timestamp, conversionUser, value);
  }

  private static double gaussian(SplittableRandom random) {
    // Box-Muller; the generator has no nextGaussian on Java 17.
    double u = 1 - random.nextDouble();
    double v = random.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** The scale of this workload. */
  public Scale scale() {
    return scale;
  }

  /** The number of impression rows. */
  public int impressionRows() {
    return impressionUser.length;
  }

  /** The number of conversion rows. */
  public int conversionRows() {
    return conversionUser.length;
  }

  /** The number of distinct user ids, numbered from 0. */
  int userCount() {
    return ids.length;
  }

  /** The id of user number {@code u}. */
  String userId(int u) {
    return ids[u];
  }

  /** The user number of impression row {@code r}. */
  int impressionUserNumber(int r) {
    return impressionUser[r];
  }

  /** The user number of conversion row {@code r}. */
  int conversionUserNumber(int r) {
    return conversionUser[r];
  }

  /** The user id of impression row {@code r}. */
  public String impressionUser(int r) {
    return ids[impressionUser[r]];
  }

  /** The campaign of impression row {@code r}. */
  public int campaign(int r) {
    return campaign[r];
  }

  /** The user id of conversion row {@code r}. */
  public String conversionUser(int r) {
    return ids[conversionUser[r]];
  }

  /** The purchase value of conversion row {@code r}. */
  public double value(int r) {
    return value[r];
  }

  /**
   * Writes the two tables as CSV files with a header line.
   *
   * @throws IOException if a file cannot be written
   */
  public void writeCsv(Path impressions, Path conversions) throws IOException {
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(impressions), 1 << 16)) {
      out.write("user_id,campaign_id,ts\n".getBytes(StandardCharsets.US_ASCII));
      StringBuilder sb = new StringBuilder(64);
      for (int r = 0; r < impressionUser.length; r++) {
        sb.setLength(0);
        sb.append(ids[impressionUser[r]])
            .append(',')
            .append(campaign[r])
            .append(',')
            .append(timestamp[r])
            .append('\n');
        out.write(sb.toString().getBytes(StandardCharsets.US_ASCII));
      }
    }
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(conversions), 1 << 16)) {
      out.write("user_id,value\n".getBytes(StandardCharsets.US_ASCII));
      StringBuilder sb = new StringBuilder(64);
      for (int r = 0; r < conversionUser.length; r++) {
        sb.setLength(0);
        sb.append(ids[conversionUser[r]]).append(',').append(value[r]).append('\n');
        out.write(sb.toString().getBytes(StandardCharsets.US_ASCII));
      }
    }
  }

  /** The impressions as an {@link InMemorySource} (one {@code String} reference per row). */
  public InMemorySource impressionsInMemory() {
    InMemorySource.Builder b = InMemorySource.builder("impressions", IMPRESSIONS);
    for (int r = 0; r < impressionUser.length; r++) {
      b.addRow(ids[impressionUser[r]], (long) campaign[r], timestamp[r]);
    }
    return b.build();
  }

  /** The conversions as an {@link InMemorySource}. */
  public InMemorySource conversionsInMemory() {
    InMemorySource.Builder b = InMemorySource.builder("conversions", CONVERSIONS);
    for (int r = 0; r < conversionUser.length; r++) {
      b.addRow(ids[conversionUser[r]], value[r]);
    }
    return b.build();
  }

  /** The impressions as a compact {@link ColumnarSource}. */
  public ColumnarSource impressionsColumnar() {
    long[] campaigns = new long[campaign.length];
    for (int r = 0; r < campaigns.length; r++) {
      campaigns[r] = campaign[r];
    }
    return ColumnarSource.builder("impressions", IMPRESSIONS, impressionUser.length)
        .strings("user_id", ids, impressionUser)
        .longs("campaign_id", campaigns)
        .longs("ts", timestamp.clone())
        .build();
  }

  /** The conversions as a compact {@link ColumnarSource}. */
  public ColumnarSource conversionsColumnar() {
    return ColumnarSource.builder("conversions", CONVERSIONS, conversionUser.length)
        .strings("user_id", ids, conversionUser)
        .doubles("value", value.clone())
        .build();
  }
}
