package dev.cleanroom.examples;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Seeded synthetic data for the advertiser × publisher measurement: a publisher's ad impressions
 * and an advertiser's conversions, keyed by e-mail address, with a chosen share of converters who
 * also saw ads, over {@link #WEEKS} ISO weeks from {@link #FIRST_DAY}: impressions on any of their
 * days, and about half of the purchases of people who saw ads 0 to 13 days after their last ad (the
 * others on any day up to a week later). The same seed and scale always give the same data; the
 * days come from a random stream of their own, so the other fields are those of the data without
 * days.
 *
 * @param impressions the publisher's impressions
 * @param conversions the advertiser's conversions
 * @param publisherUsers the number of distinct people in the impressions
 * @param advertiserUsers the number of distinct people in the conversions
 * @param overlapUsers the number of people in both
 */
public record AdData(
    List<Impression> impressions,
    List<Conversion> conversions,
    int publisherUsers,
    int advertiserUsers,
    int overlapUsers) {

  /** The number of campaigns impressions are spread over. */
  public static final int CAMPAIGNS = 20;

  /** The first day of impressions, a Monday. */
  public static final LocalDate FIRST_DAY = LocalDate.of(2026, 3, 2);

  /** The number of ISO weeks with impressions. */
  public static final int WEEKS = 8;

  private static final String[] COUNTRIES = {"DE", "FR", "US", "GB", "NL"};
  private static final String[] DEVICES = {"mobile", "desktop", "tv"};

  /**
   * One ad impression.
   *
   * @param email the viewer's e-mail address
   * @param campaignId the campaign, 1 to {@link #CAMPAIGNS}
   * @param country the viewer's country code
   * @param device the device type
   * @param day the day of the impression
   */
  public record Impression(
      String email, long campaignId, String country, String device, LocalDate day) {}

  /**
   * One purchase at the advertiser.
   *
   * @param email the buyer's e-mail address (written with other case and spaces at times)
   * @param purchaseValue the purchase value in euros
   * @param channel the sales channel
   * @param day the day of the purchase
   */
  public record Conversion(String email, double purchaseValue, String channel, LocalDate day) {}

  /**
   * Generates the data.
   *
   * @param seed the random seed
   * @param impressions the number of impression rows (e.g. 200,000)
   * @param conversions the number of conversion rows (e.g. 30,000)
   * @param overlap the share of converting people who also saw ads, in [0, 1]
   */
  public static AdData generate(long seed, int impressions, int conversions, double overlap) {
    if (impressions <= 0 || conversions <= 0) {
      throw new IllegalArgumentException("row counts must be positive");
    }
    if (!(overlap >= 0 && overlap <= 1)) {
      throw new IllegalArgumentException("overlap must be in [0, 1]; provided value: " + overlap);
    }
    SplittableRandom rnd = new SplittableRandom(seed);
    int publisherUsers = Math.max(1, impressions / 4);
    int advertiserUsers = Math.max(1, conversions * 2 / 3);
    int overlapUsers = (int) Math.round(advertiserUsers * overlap);
    overlapUsers = Math.min(overlapUsers, publisherUsers);

    SplittableRandom days = new SplittableRandom(seed * 31 + 17);
    int[] lastDay = new int[publisherUsers];
    List<Impression> imps = new ArrayList<>(impressions);
    for (int i = 0; i < impressions; i++) {
      // Every person appears at least once; then heavier viewers see more ads.
      int user = i < publisherUsers ? i : skewed(rnd, publisherUsers);
      int campaign = 1 + skewed(rnd, CAMPAIGNS);
      int day = days.nextInt(WEEKS * 7);
      lastDay[user] = day;
      imps.add(
          new Impression(
              email(user),
              campaign,
              COUNTRIES[user % COUNTRIES.length],
              DEVICES[rnd.nextInt(DEVICES.length)],
              FIRST_DAY.plusDays(day)));
    }
    List<Conversion> convs = new ArrayList<>(conversions);
    for (int i = 0; i < conversions; i++) {
      int buyer = i < advertiserUsers ? i : rnd.nextInt(advertiserUsers);
      // Buyers 0 .. overlapUsers-1 are publisher users; the others are not.
      int person = buyer < overlapUsers ? buyer : publisherUsers + buyer;
      String email = email(person);
      if (rnd.nextInt(4) == 0) {
        email = "  " + email.toUpperCase(java.util.Locale.ROOT) + " ";
      }
      double value = Math.min(10_000, Math.exp(3.5 + 1.0 * rnd.nextGaussian()));
      int day =
          person < publisherUsers && days.nextBoolean()
              ? lastDay[person] + days.nextInt(14)
              : days.nextInt(WEEKS * 7 + 7);
      convs.add(
          new Conversion(
              email,
              Math.round(value * 100) / 100.0,
              rnd.nextBoolean() ? "web" : "store",
              FIRST_DAY.plusDays(day)));
    }
    return new AdData(imps, convs, publisherUsers, advertiserUsers, overlapUsers);
  }

  private static int skewed(SplittableRandom rnd, int n) {
    double u = rnd.nextDouble();
    return Math.min(n - 1, (int) (n * u * u));
  }

  private static String email(int person) {
    return "person" + person + "@example.com";
  }
}
