package dev.cleanroom.internal.execution;

import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.Column;
import dev.cleanroom.ColumnType;
import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import dev.cleanroom.Schema;
import dev.cleanroom.SecretKey;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.query.ExecutionPath;
import dev.cleanroom.query.Result;
import dev.cleanroom.source.ColumnarSource;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Two datasets over one resident source with different user id columns (the buyers and the sellers
 * of one table of sales) are two sets of people: each query counts, thresholds and bounds the
 * people of its own dataset's column, whichever was asked first. The columnar path's person codes
 * used to be kept per source and id format only, so the second column's query reused the first
 * one's codes: four sellers were counted as the forty buyers and released under k = 5.
 */
class SharedSourceIdsTest {
  @Test
  void twoDatasetsOverOneSource_eachCountsItsOwnUserIdColumn() {
    SecretKey key = SecretKey.random();
    ColumnarSource sales = sales();
    CleanRoom buyersFirst = room(key, sales);
    assertEquals(List.of(40L), users(buyersFirst, "m.buyers"));
    assertEquals(List.of(), users(buyersFirst, "m.sellers"), "four sellers: below k = 5");
    // Another key, the other order; then a room with the first key, whose codes it shares.
    CleanRoom sellersFirst = room(SecretKey.random(), sales);
    assertEquals(List.of(), users(sellersFirst, "m.sellers"));
    assertEquals(List.of(40L), users(sellersFirst, "m.buyers"));
    CleanRoom again = room(key, sales);
    assertEquals(List.of(), users(again, "m.sellers"));
    assertEquals(List.of(40L), users(again, "m.buyers"));
  }

  @Test
  void aJoinOfTwoDatasetsOverOneSource_joinsTheirOwnColumns() {
    // Six sellers, each of whom also bought: the people in both datasets are those six.
    ColumnarSource sales = sales(6);
    CleanRoom room = room(SecretKey.random(), sales);
    var both =
        room.as("a")
            .from("m.buyers")
            .join("m.sellers")
            .onUserId()
            .groupBy("m.buyers.market")
            .select(countDistinctUsers().as("users"));
    assertEquals(ExecutionPath.Kind.COLUMNAR, both.explain().path().orElseThrow().kind());
    assertEquals(List.of(6L), counts(both.run()));
    assertEquals(List.of(6L), users(room, "m.sellers"));
    assertEquals(List.of(40L), users(room, "m.buyers"));
  }

  private static ColumnarSource sales() {
    return sales(0);
  }

  /**
   * 40 sales in one market, each by another buyer; the sellers are {@code "s0"} to {@code "s3"}, or
   * with {@code buyingSellers > 0} the first that many buyers.
   */
  private static ColumnarSource sales(int buyingSellers) {
    int rows = 40;
    String[] buyers = new String[rows];
    String[] sellers = new String[rows];
    int[] buyerCodes = new int[rows];
    int[] sellerCodes = new int[rows];
    long[] market = new long[rows];
    for (int r = 0; r < rows; r++) {
      buyers[r] = "b" + r; // 40 distinct buyers
      sellers[r] = buyingSellers > 0 ? "b" + (r % buyingSellers) : "s" + (r % 4);
      buyerCodes[r] = r;
      sellerCodes[r] = r;
      market[r] = 1;
    }
    Schema schema =
        new Schema(
            List.of(
                new Column("buyer", ColumnType.STRING),
                new Column("seller", ColumnType.STRING),
                new Column("market", ColumnType.LONG)));
    return ColumnarSource.builder("sales", schema, rows)
        .strings("buyer", buyers, buyerCodes)
        .strings("seller", sellers, sellerCodes)
        .longs("market", market)
        .build();
  }

  private static CleanRoom room(SecretKey key, ColumnarSource sales) {
    CleanRoom room = CleanRoom.builder().secretKey(key).auditSink(e -> {}).build();
    for (String userId : List.of("buyer", "seller")) {
      room.register(
          Dataset.builder("m", userId + "s")
              .source(sales)
              .userId(userId, UserIdFormat.RAW)
              .dimension("market")
              .policy(policy(userId))
              .build());
    }
    return room;
  }

  private static Policy policy(String userIdColumn) {
    return Policy.builder()
        .allowAnalysts("a")
        .allowJoinOn(userIdColumn)
        .minDistinctUsers(5)
        .withoutDifferenceChecks()
        .build();
  }

  /** The released user counts of one query on {@code dataset}, on the columnar path. */
  private static List<Long> users(CleanRoom room, String dataset) {
    var q = room.as("a").from(dataset).groupBy("market").select(countDistinctUsers().as("users"));
    assertEquals(ExecutionPath.Kind.COLUMNAR, q.explain().path().orElseThrow().kind());
    return counts(q.run());
  }

  private static List<Long> counts(Result r) {
    return r.rows().stream().map(row -> ((Number) row.values().get(1)).longValue()).toList();
  }
}
