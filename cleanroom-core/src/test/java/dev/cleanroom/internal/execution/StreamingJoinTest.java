package dev.cleanroom.internal.execution;

import static dev.cleanroom.query.Dsl.count;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static dev.cleanroom.query.Dsl.sum;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import dev.cleanroom.Schema;
import dev.cleanroom.SecretKey;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.query.Result;
import dev.cleanroom.source.CsvSource;
import dev.cleanroom.source.InMemorySource;
import dev.cleanroom.spi.DataSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The streaming join scans the smallest dataset first and keeps only people in every dataset
 * scanned so far; its answer never depends on that order, on the sizes the sources claim, or on how
 * one person's id is spelled.
 */
class StreamingJoinTest {
  record Visit(String uid, long campaign) {}

  record Order(String uid, double value) {}

  record Member(String uid, String tier) {}

  @Test
  void scanOrder_smallestFirst_unknownLast_tiesInQueryOrder() {
    assertEquals(
        List.of(2, 1, 3, 0, 4),
        StreamingJoin.scanOrder(
            List.of(
                OptionalLong.empty(),
                OptionalLong.of(10),
                OptionalLong.of(5),
                OptionalLong.of(10),
                OptionalLong.empty())));
    // A negative claim counts as no rows.
    assertEquals(
        List.of(0, 1), StreamingJoin.scanOrder(List.of(OptionalLong.of(0), OptionalLong.of(-3))));
  }

  @Provide
  Arbitrary<List<Visit>> visits() {
    return Combinators.combine(uid(), Arbitraries.longs().between(0, 3))
        .as(Visit::new)
        .list()
        .ofMaxSize(60);
  }

  @Provide
  Arbitrary<List<Order>> orders() {
    return Combinators.combine(uid(), Arbitraries.integers().between(0, 40).map(i -> (double) i))
        .as(Order::new)
        .list()
        .ofMaxSize(40);
  }

  @Provide
  Arbitrary<List<Member>> members() {
    return Combinators.combine(uid(), Arbitraries.of("gold", "silver"))
        .as(Member::new)
        .list()
        .ofMaxSize(30);
  }

  /**
   * Some ids in several spellings of one e-mail address (case and spaces), which are one person.
   */
  private static Arbitrary<String> uid() {
    return Arbitraries.integers()
        .between(0, 11)
        .map(
            i ->
                switch (i % 3) {
                  case 0 -> "u" + i + "@x.org";
                  case 1 -> " U" + (i - 1) + "@X.org";
                  default -> "u" + i + "@x.org ";
                });
  }

  @Provide
  Arbitrary<List<Long>> estimates() {
    return Arbitraries.longs().between(-1, 100).list().ofSize(3);
  }

  @Property(tries = 120)
  void threeDatasetJoin_doesNotDependOnTheClaimedSizes(
      @ForAll("visits") List<Visit> visits,
      @ForAll("orders") List<Order> orders,
      @ForAll("members") List<Member> members,
      @ForAll("estimates") List<Long> estimates) {
    SecretKey key = SecretKey.random();
    List<Long> unknown = List.of(-1L, -1L, -1L);
    Result byQueryOrder = query(room(key, visits, orders, members, unknown));
    Result byClaims = query(room(key, visits, orders, members, estimates));
    assertEquals(byQueryOrder.rows(), byClaims.rows());
    // The same with the claims reversed: every order of scans gives one answer.
    List<Long> reversed = new ArrayList<>(estimates);
    java.util.Collections.reverse(reversed);
    assertEquals(byQueryOrder.rows(), query(room(key, visits, orders, members, reversed)).rows());
  }

  @Test
  void joinCountsEachPersonOnce_acrossSpellings() {
    List<Visit> visits = new ArrayList<>();
    List<Order> orders = new ArrayList<>();
    List<Member> members = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      visits.add(new Visit("p" + i + "@x.org", 1));
      visits.add(new Visit(" P" + i + "@X.ORG", 2));
      orders.add(new Order("p" + i + "@x.org ", 10));
      orders.add(new Order("P" + i + "@x.org", 5));
      members.add(new Member("p" + i + "@x.org", "gold"));
    }
    // Someone only the big dataset knows, and someone missing from the smallest.
    visits.add(new Visit("lonely@x.org", 1));
    orders.add(new Order("nomember@x.org", 7));
    visits.add(new Visit("nomember@x.org", 1));
    Result r = query(room(SecretKey.random(), visits, orders, members, List.of(1000L, 100L, 10L)));
    assertEquals(2, r.size());
    for (var row : r.rows()) {
      assertEquals(6L, row.getLong("users"));
      assertEquals(6.0 * 15, row.getDouble("value"), 0.0);
    }
    // One visit row per person and campaign, in both spellings' campaigns.
    assertEquals(6L, r.rows().get(0).getLong("rows"));
  }

  /**
   * Enough people that the first scan's memo grows several times, and a larger dataset that holds
   * twice as many people the memo lacks, whom its filter turns away: exactly the shared people
   * join, each once.
   */
  @Test
  void manyPeople_throughTheMemosGrowthAndFilter_joinExactlyTheShared() {
    List<Visit> visits = new ArrayList<>();
    List<Order> orders = new ArrayList<>();
    List<Member> members = new ArrayList<>();
    for (int i = 0; i < 60_000; i++) {
      if (i < 20_000) {
        orders.add(new Order("p" + i + "@x.org", 1));
      }
      if (i >= 10_000) {
        visits.add(new Visit(" P" + i + "@x.org", 0));
      }
      members.add(new Member("p" + i + "@x.org", "gold"));
    }
    Result r = query(room(SecretKey.random(), visits, orders, members, List.of(1000L, 10L, 100L)));
    assertEquals(1, r.size());
    assertEquals(10_000L, r.rows().get(0).getLong("users"));
    assertEquals(10_000.0, r.rows().get(0).getDouble("value"), 0.0);
  }

  @Test
  void joinAcrossIdFormats_matchesPseudonymsWhicheverDatasetIsScannedFirst() {
    SecretKey key = SecretKey.random();
    dev.cleanroom.pseudonymization.Pseudonymizer pseudonymizer =
        dev.cleanroom.pseudonymization.Pseudonymizer.of(key);
    List<Visit> visits = new ArrayList<>();
    List<Order> orders = new ArrayList<>();
    List<Member> members = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      visits.add(new Visit("p" + i + "@x.org", i % 2));
      orders.add(new Order(" P" + i + "@X.org", 3));
      if (i < 6) {
        // The members' owner holds pseudonyms of the same addresses, in upper case.
        String pid = pseudonymizer.pseudonymize("p" + i + "@x.org", UserIdFormat.EMAIL);
        members.add(new Member(pid.toUpperCase(java.util.Locale.ROOT), "gold"));
      }
    }
    members.add(new Member("0".repeat(64), "gold"));
    for (List<Long> estimates :
        List.of(List.of(1L, 2L, 3L), List.of(3L, 2L, 1L), List.of(2L, 3L, 1L))) {
      CleanRoom room = room(key, visits, orders, members, UserIdFormat.PSEUDONYMIZED, estimates);
      Result r = query(room);
      assertEquals(2, r.size(), estimates::toString);
      for (var row : r.rows()) {
        // Persons 0..5 are members: three per campaign, each with one order of 3.
        assertEquals(3L, row.getLong("users"), estimates::toString);
        assertEquals(9.0, row.getDouble("value"), 0.0, estimates::toString);
      }
    }
  }

  @Test
  void csvSource_estimatesRowsFromTheFirstLines(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("v.csv");
    StringBuilder sb = new StringBuilder("uid,campaign\n");
    for (int i = 0; i < 20_000; i++) {
      sb.append("user").append(i % 1000).append("@x.org,").append(i % 7).append('\n');
    }
    Files.writeString(file, sb, StandardCharsets.UTF_8);
    Schema schema = InMemorySource.ofRecords("v", Visit.class, List.of()).schema();
    OptionalLong estimate = CsvSource.of(file, schema).estimatedRows();
    assertTrue(estimate.isPresent());
    assertTrue(
        Math.abs(estimate.getAsLong() - 20_001) < 2_000, () -> "estimate " + estimate.getAsLong());
    assertFalse(CsvSource.of(dir.resolve("missing.csv"), schema).estimatedRows().isPresent());
    Path oneLine = dir.resolve("one.csv");
    Files.writeString(oneLine, "uid,campaign", StandardCharsets.UTF_8);
    assertTrue(CsvSource.of(oneLine, schema).estimatedRows().isPresent());
  }

  private static Result query(CleanRoom room) {
    return room.as("analyst")
        .from("pub.visits")
        .join("adv.orders")
        .onUserId()
        .join("club.members")
        .onUserId()
        .groupBy("campaign")
        .select(countDistinctUsers().as("users"), count().as("rows"), sum("value").as("value"))
        .run();
  }

  private static CleanRoom room(
      SecretKey key,
      List<Visit> visits,
      List<Order> orders,
      List<Member> members,
      List<Long> estimates) {
    return room(key, visits, orders, members, UserIdFormat.EMAIL, estimates);
  }

  /** A room of the three datasets; the members' ids are in {@code membersFormat}. */
  private static CleanRoom room(
      SecretKey key,
      List<Visit> visits,
      List<Order> orders,
      List<Member> members,
      UserIdFormat membersFormat,
      List<Long> estimates) {
    CleanRoom room = CleanRoom.builder().secretKey(key).auditSink(e -> {}).build();
    room.register(
        dataset(
                "pub",
                "visits",
                PushdownDatabases.streamed(
                    InMemorySource.ofRecords("v", Visit.class, visits), estimates.get(0)))
            .dimension("campaign")
            .policy(policy())
            .build());
    room.register(
        dataset(
                "adv",
                "orders",
                PushdownDatabases.streamed(
                    InMemorySource.ofRecords("o", Order.class, orders), estimates.get(1)))
            .metric("value", 0, 100)
            .policy(policy())
            .build());
    room.register(
        Dataset.builder("club", "members")
            .source(
                PushdownDatabases.streamed(
                    InMemorySource.ofRecords("m", Member.class, members), estimates.get(2)))
            .userId("uid", membersFormat)
            .dimension("tier")
            .policy(policy())
            .build());
    return room;
  }

  private static Dataset.Builder dataset(String owner, String name, DataSource source) {
    return Dataset.builder(owner, name).source(source).userId("uid", UserIdFormat.EMAIL);
  }

  private static Policy policy() {
    return Policy.builder()
        .allowAnalysts("analyst")
        .allowJoinOn("uid")
        .minDistinctUsers(2)
        .maxGroupsPerUser(4)
        .maxContributionsPerGroup(100)
        .withoutDifferenceChecks()
        .build();
  }
}
