package dev.cleanroom.examples;

import static dev.cleanroom.query.Dsl.col;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static dev.cleanroom.query.Dsl.sum;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.Column;
import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import dev.cleanroom.Schema;
import dev.cleanroom.SecretKey;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.query.Result;
import dev.cleanroom.query.ResultRow;
import dev.cleanroom.source.CsvSource;
import dev.cleanroom.source.InMemorySource;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's quick start, as written there, on small data: the docs must match the code. */
class QuickStartTest {
  /**
   * One purchase.
   *
   * @param email the buyer
   * @param purchase_value the amount
   */
  @SuppressWarnings("MemberName") // the column name of the README
  public record Conversion(String email, double purchase_value) {}

  @Test
  void readmeQuickStart_runsAndReleasesOnlyLargeGroups(@TempDir Path dir) throws Exception {
    Path csv = dir.resolve("impressions.csv");
    StringBuilder text = new StringBuilder("email,campaign_id,country\n");
    List<Conversion> conversions = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      // Campaign 1: 300 people in DE or FR; campaign 2: 100 people, only 40 of them buyers.
      text.append("person")
          .append(i)
          .append("@example.com,")
          .append(i < 300 ? 1 : 2)
          .append(',')
          .append(i % 2 == 0 ? "DE" : "FR")
          .append('\n');
      if (i < 340) {
        conversions.add(new Conversion(" Person" + i + "@Example.com", 10 + i % 5));
      }
    }
    Files.writeString(csv, text, StandardCharsets.UTF_8);
    String key = java.util.Base64.getEncoder().encodeToString(SecretKey.random().bytes());

    CleanRoom room = CleanRoom.builder().secretKey(SecretKey.fromBase64(key)).build();
    room.register(
        Dataset.builder("publisher", "impressions")
            .source(
                CsvSource.of(
                    csv,
                    Schema.of(
                        Column.string("email"),
                        Column.int64("campaign_id"),
                        Column.string("country"))))
            .userId("email", UserIdFormat.EMAIL)
            .dimensions("campaign_id", "country")
            .policy(
                Policy.builder()
                    .allowAnalysts("advertiser")
                    .allowJoinOn("email")
                    .minDistinctUsers(50)
                    .maxGroupsPerUser(5)
                    .build())
            .build());
    room.register(
        Dataset.builder("advertiser", "conversions")
            .source(InMemorySource.ofRecords("conversions", Conversion.class, conversions))
            .userId("email", UserIdFormat.EMAIL)
            .metric("purchase_value", 0, 10_000)
            .policy(
                Policy.builder()
                    .allowAnalysts("advertiser")
                    .allowJoinOn("email")
                    .minDistinctUsers(25)
                    .maxGroupsPerUser(5)
                    .clampPerGroup("purchase_value", 0, 2_000)
                    .build())
            .build());

    Result r =
        room.as("advertiser")
            .from("publisher.impressions")
            .join("advertiser.conversions")
            .onUserId()
            .where(col("country").in("DE", "FR"))
            .groupBy("campaign_id")
            .select(countDistinctUsers().as("converters"), sum("purchase_value").as("revenue"))
            .run();

    // Campaign 1 has 300 converters; campaign 2 has 40, below k = 50, and is suppressed.
    assertEquals(1, r.size(), r.toTable());
    ResultRow row = r.rows().get(0);
    assertEquals(1L, row.get("campaign_id"));
    assertEquals(300L, row.getLong("converters"));
    double expected = 0;
    for (int i = 0; i < 300; i++) {
      expected += 10 + i % 5;
    }
    assertEquals(expected, row.getDouble("revenue"), 1e-9);
    assertTrue(r.toTable().contains("converters"));
  }
}
