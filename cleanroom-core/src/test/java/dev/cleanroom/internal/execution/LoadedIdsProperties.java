package dev.cleanroom.internal.execution;

import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static dev.cleanroom.query.Dsl.sum;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.Column;
import dev.cleanroom.ColumnType;
import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import dev.cleanroom.QueryFailedException;
import dev.cleanroom.Schema;
import dev.cleanroom.SecretKey;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.query.ExecutionPath;
import dev.cleanroom.query.Result;
import dev.cleanroom.source.ColumnarSource;
import dev.cleanroom.source.CsvSource;
import dev.cleanroom.spi.AuditEvent;
import dev.cleanroom.spi.AuditSink;
import dev.cleanroom.spi.DataSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Person codes of sources loaded from CSV files, whose dictionaries are distinct: where every id is
 * already normalized, the columnar path tells persons apart without a table; where some are not ("
 * u3" and "u3" are one person), it finds them with one. Either way, and whichever of the two
 * versions has more people, the columnar answer is the streamed one, including the choice of two of
 * a person's campaigns by the rank of its normalized id, and the difference checks when they are
 * on. Campaign 3 is written as itself, as 2^32 - 1 (the column is still held in four bytes per row,
 * that campaign's offset past 2^31) or as {@code Long.MIN_VALUE} (the column spans more than 2^32
 * and is held whole).
 */
class LoadedIdsProperties {
  static final Schema VISITS =
      new Schema(
          List.of(new Column("uid", ColumnType.STRING), new Column("campaign", ColumnType.LONG)));
  static final Schema ORDERS =
      new Schema(
          List.of(new Column("uid", ColumnType.STRING), new Column("value", ColumnType.DOUBLE)));

  private static Path dir;

  @BeforeContainer
  static void createDirectory() throws IOException {
    dir = Files.createTempDirectory("cleanroom-loaded-ids");
  }

  @AfterContainer
  static void deleteDirectory() throws IOException {
    try (var files = Files.list(dir)) {
      for (Path f : files.toList()) {
        Files.delete(f);
      }
    }
    Files.delete(dir);
  }

  /** Ids from a pool of 30, written exactly or (when {@code spaced}) some with a leading space. */
  @Provide
  Arbitrary<List<Tuple.Tuple2<Integer, Integer>>> rows() {
    return Arbitraries.integers()
        .between(0, 29)
        .flatMap(id -> Arbitraries.integers().between(0, 3).map(v -> Tuple.of(id, v)))
        .list()
        .ofMinSize(1)
        .ofMaxSize(120);
  }

  @Property(tries = 60)
  void columnarAnswer_isTheStreamedOne(
      @ForAll("rows") List<Tuple.Tuple2<Integer, Integer>> visits,
      @ForAll("rows") List<Tuple.Tuple2<Integer, Integer>> orders,
      @ForAll boolean spaced,
      @ForAll boolean differenceChecks,
      @ForAll("farCampaigns") long campaign3,
      @ForAll("blanks") Blanks blanks,
      @ForAll boolean quoted) {
    Path v = write("v", "uid,campaign", visits, spaced, campaign3, blanks == Blanks.VISITS, quoted);
    Path o = write("o", "uid,value", orders, spaced, 3, blanks == Blanks.ORDERS, quoted);
    SecretKey key = SecretKey.random();
    Object columnar =
        outcome(
            key,
            differenceChecks,
            ExecutionPath.Kind.COLUMNAR,
            ColumnarSource.readCsv("v", v, VISITS),
            ColumnarSource.readCsv("o", o, ORDERS));
    Object streamed =
        outcome(
            key,
            differenceChecks,
            ExecutionPath.Kind.STREAMED,
            PushdownDatabases.streamed(CsvSource.of(v, VISITS)),
            PushdownDatabases.streamed(CsvSource.of(o, ORDERS)));
    assertEquals(streamed, columnar);
  }

  /** Which file, if any, writes id 29 as an empty or blank value. */
  enum Blanks {
    NONE,
    VISITS,
    ORDERS
  }

  @Provide
  Arbitrary<Blanks> blanks() {
    return Arbitraries.of(Blanks.class);
  }

  /**
   * The rows of {@link #query} on {@code kind} in a room over the two sources, or for a failed
   * query the reason its audit event gives, from the line on (the source's name aside: the file's
   * for {@code CsvSource}, the given one for a loaded source).
   */
  private static Object outcome(
      SecretKey key,
      boolean differenceChecks,
      ExecutionPath.Kind kind,
      DataSource visits,
      DataSource orders) {
    List<AuditEvent> events = new CopyOnWriteArrayList<>();
    try {
      return query(room(key, visits, orders, 2, differenceChecks, events::add), kind).rows();
    } catch (QueryFailedException e) {
      String reason =
          events.stream()
              .filter(a -> a.outcome() == AuditEvent.Outcome.FAILED)
              .findFirst()
              .orElseThrow()
              .reason();
      return reason.substring(reason.indexOf(", line "));
    }
  }

  @Provide
  Arbitrary<Long> farCampaigns() {
    return Arbitraries.of(3L, 0xFFFFFFFFL, Long.MIN_VALUE);
  }

  /**
   * Writes {@code rows}, each value 3 as {@code three}; with {@code blanks}, id 29 as an empty or
   * blank value (a malformed row for {@code CsvSource}); with {@code quoted}, every id in quotes
   * (the loader then reads the file with the sequential parser).
   */
  private static Path write(
      String prefix,
      String header,
      List<Tuple.Tuple2<Integer, Integer>> rows,
      boolean spaced,
      long three,
      boolean blanks,
      boolean quoted) {
    StringBuilder sb = new StringBuilder(header).append('\n');
    for (Tuple.Tuple2<Integer, Integer> r : rows) {
      // With spaced ids, every third id is written with a leading space, which normalization
      // removes: " u3" and "u3" are then two dictionary values of one person.
      String id = (spaced && r.get1() % 3 == 0 && r.get2() % 2 == 0 ? " u" : "u") + r.get1();
      if (blanks && r.get1() == 29) {
        id = List.of("", " ", "\t", "  ").get(r.get2());
      }
      if (quoted) {
        id = '"' + id + '"';
      }
      sb.append(id).append(',').append(r.get2() == 3 ? three : r.get2()).append('\n');
    }
    try {
      Path f = Files.createTempFile(dir, prefix, ".csv");
      Files.writeString(f, sb, StandardCharsets.UTF_8);
      return f;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A room over {@code visits} and {@code orders}, threshold only, every campaign of a person
   * counted; also for other tests.
   */
  static CleanRoom room(SecretKey key, DataSource visits, DataSource orders) {
    return room(key, visits, orders, 4, false);
  }

  /** A room over {@code visits} and {@code orders}, threshold only. */
  static CleanRoom room(
      SecretKey key,
      DataSource visits,
      DataSource orders,
      int maxGroupsPerUser,
      boolean differenceChecks) {
    return room(key, visits, orders, maxGroupsPerUser, differenceChecks, e -> {});
  }

  /** A room as above whose audit events go to {@code audit}. */
  static CleanRoom room(
      SecretKey key,
      DataSource visits,
      DataSource orders,
      int maxGroupsPerUser,
      boolean differenceChecks,
      AuditSink audit) {
    CleanRoom room = CleanRoom.builder().secretKey(key).auditSink(audit).build();
    Policy.Builder builder =
        Policy.builder()
            .allowAnalysts("a")
            .allowJoinOn("uid")
            .minDistinctUsers(2)
            .maxGroupsPerUser(maxGroupsPerUser);
    Policy policy = differenceChecks ? builder.build() : builder.withoutDifferenceChecks().build();
    room.register(
        Dataset.builder("pub", "visits")
            .source(visits)
            .userId("uid", UserIdFormat.RAW)
            .dimension("campaign")
            .policy(policy)
            .build());
    room.register(
        Dataset.builder("adv", "orders")
            .source(orders)
            .userId("uid", UserIdFormat.RAW)
            .metric("value", 0, 10)
            .policy(policy)
            .build());
    return room;
  }

  /** Users and value per campaign, on the {@code expected} path; also for other tests. */
  static Result query(CleanRoom room, ExecutionPath.Kind expected) {
    var stage =
        room.as("a")
            .from("pub.visits")
            .join("adv.orders")
            .onUserId()
            .groupBy("campaign")
            .select(countDistinctUsers().as("users"), sum("value").as("value"));
    assertEquals(expected, stage.explain().path().orElseThrow().kind());
    return stage.run();
  }
}
