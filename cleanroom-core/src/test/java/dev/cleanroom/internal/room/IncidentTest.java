package dev.cleanroom.internal.room;

import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.Column;
import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import dev.cleanroom.QueryFailedException;
import dev.cleanroom.Schema;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.internal.execution.PushdownDatabases;
import dev.cleanroom.jdbc.JdbcSource;
import dev.cleanroom.source.CsvSource;
import dev.cleanroom.source.InMemorySource;
import dev.cleanroom.spi.AuditEvent;
import dev.cleanroom.spi.DataSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Failures that depend on data reach the analyst only as an incident id. */
class IncidentTest {
  private static final Schema SCHEMA = Schema.of(Column.string("uid"), Column.int64("n"));

  @TempDir Path dir;

  private final RecordingAuditSink host = new RecordingAuditSink();
  private final RecordingAuditSink owner = new RecordingAuditSink();
  private final RecordingAuditSink other = new RecordingAuditSink();

  private static Dataset dataset(String party, String name, DataSource source) {
    return Dataset.builder(party, name)
        .source(source)
        .userId("uid", UserIdFormat.RAW)
        .dimension(source.schema().columns().get(1).name())
        .policy(
            Policy.builder()
                .allowAnalysts("an")
                .allowJoinOn("uid")
                .minDistinctUsers(2)
                .maxGroupsPerUser(5)
                .build())
        .build();
  }

  private Path badCsv() throws IOException {
    StringBuilder csv = new StringBuilder("uid,n\n");
    for (int i = 0; i < 20; i++) {
      csv.append("u").append(i).append(',').append(i % 3).append('\n');
    }
    csv.append("u99,SECRET_VALUE_7\n"); // line 22: not a number
    return Files.writeString(dir.resolve("partner_upload.csv"), csv.toString(), UTF_8);
  }

  private static InMemorySource good() {
    InMemorySource.Builder b =
        InMemorySource.builder("good.mem", Schema.of(Column.string("uid"), Column.int64("m")));
    for (int i = 0; i < 20; i++) {
      b.addRow("u" + i, (long) (i % 3));
    }
    return b.build();
  }

  /**
   * What the analyst can read of {@code t}: message, string form, cause and suppressed, without the
   * random incident id (whose hex digits could match a leak by chance).
   */
  private static String everything(QueryFailedException t) {
    assertNull(t.getCause());
    assertEquals(0, t.getSuppressed().length);
    for (StackTraceElement frame : t.getStackTrace()) {
      // made by the room, not thrown inside a source
      assertFalse(frame.getClassName().startsWith("dev.cleanroom.source"), frame.toString());
      assertFalse(frame.getClassName().startsWith("dev.cleanroom.jdbc"), frame.toString());
    }
    return (t.getMessage() + " " + t.getLocalizedMessage() + " " + t)
        .replace(t.incidentId(), "<id>");
  }

  @Test
  void csvFailure_analystSeesOnlyTheIncident_ownerGetsTheDetails() throws IOException {
    Path file = badCsv();
    CleanRoom room =
        CleanRoom.builder()
            .auditSink(host)
            .partyAuditSink("owner", owner)
            .partyAuditSink("other", other)
            .build();
    room.register(dataset("owner", "upload", CsvSource.of(file, SCHEMA)));
    room.register(dataset("other", "good", good()));

    QueryFailedException e =
        assertThrows(
            QueryFailedException.class,
            () ->
                room.as("an")
                    .from("other.good")
                    .join("owner.upload")
                    .onUserId()
                    .groupBy("n")
                    .select(countDistinctUsers())
                    .run());

    assertEquals("query failed; incident " + e.incidentId(), e.getMessage());
    assertNull(e.getCause());
    assertEquals(0, e.getSuppressed().length);
    String seen = everything(e);
    for (String leak :
        List.of("partner_upload", "csv", "line", "22", "SECRET_VALUE_7", "column", "[n]")) {
      assertFalse(seen.contains(leak), () -> "[" + leak + "] reached the analyst: " + seen);
    }

    AuditEvent details = owner.last();
    assertEquals(1, owner.events().size());
    assertEquals(Optional.of(e.incidentId()), details.incidentId());
    assertEquals(AuditEvent.Outcome.FAILED, details.outcome());
    assertTrue(details.reason().contains("partner_upload.csv"), details.reason());
    assertTrue(details.reason().contains("line 22"), details.reason());
    assertTrue(details.reason().contains("column [n]"), details.reason());
    assertFalse(details.reason().contains("SECRET_VALUE_7"), details.reason());

    AuditEvent hostEvent = host.last();
    assertEquals(1, host.events().size());
    assertEquals(Optional.of(e.incidentId()), hostEvent.incidentId());
    assertEquals(e.getMessage(), hostEvent.reason());
    assertEquals(List.of(), other.events());
  }

  @Test
  void csvFailure_withoutAnOwnerSink_detailsGoToTheRoomsSink() throws IOException {
    Path file = badCsv();
    CleanRoom room = CleanRoom.builder().auditSink(host).partyAuditSink("other", other).build();
    room.register(dataset("owner", "upload", CsvSource.of(file, SCHEMA)));
    QueryFailedException e =
        assertThrows(
            QueryFailedException.class,
            () ->
                room.as("an").from("owner.upload").groupBy("n").select(countDistinctUsers()).run());
    assertEquals(1, host.events().size());
    assertEquals(Optional.of(e.incidentId()), host.last().incidentId());
    assertTrue(host.last().reason().contains("line 22"), host.last().reason());
    assertEquals(List.of(), other.events());
  }

  @Test
  void jdbcFailure_sqlStateGoesToTheOwner_notToTheAnalyst() throws Exception {
    PushdownDatabases.Db db = PushdownDatabases.h2();
    db.execute("CREATE TABLE \"gone\" (\"uid\" VARCHAR(20), \"n\" BIGINT)");
    DataSource js = JdbcSource.builder(db.dataSource(), "gone").name("owner_warehouse").build();
    CleanRoom room = CleanRoom.builder().auditSink(host).partyAuditSink("owner", owner).build();
    room.register(dataset("owner", "wh", js));
    db.execute("DROP TABLE \"gone\"");

    QueryFailedException e =
        assertThrows(
            QueryFailedException.class,
            () ->
                room.as("an")
                    .from("owner.wh")
                    .where(dev.cleanroom.query.Dsl.col("n").eq(424242L))
                    .groupBy("n")
                    .select(countDistinctUsers())
                    .run());
    String seen = everything(e);
    for (String leak : List.of("owner_warehouse", "SQL state", "424242", "gone")) {
      assertFalse(seen.contains(leak), () -> "[" + leak + "] reached the analyst: " + seen);
    }
    String details = owner.last().reason();
    assertTrue(details.contains("owner_warehouse"), details);
    assertTrue(details.contains("SQL state"), details);
    assertFalse(details.contains("424242"), details);
    assertEquals(Optional.of(e.incidentId()), owner.last().incidentId());
    assertEquals(e.getMessage(), host.last().reason());
    db.close();
  }

  @Test
  void cohortFailure_analystSeesOnlyTheIncident_ownerGetsTheDetails() throws IOException {
    Path file = badCsv();
    CleanRoom room = CleanRoom.builder().auditSink(host).partyAuditSink("owner", owner).build();
    room.register(
        Dataset.builder("owner", "upload")
            .source(CsvSource.of(file, SCHEMA))
            .userId("uid", UserIdFormat.RAW)
            .dimension("n")
            .policy(
                Policy.builder()
                    .allowAnalysts("an")
                    .allowCohortRelease("owner")
                    .minCohortSize(2)
                    .minDistinctUsers(2)
                    .build())
            .build());
    room.registerCohortSink("owner", (activation, ids) -> {});

    QueryFailedException e =
        assertThrows(
            QueryFailedException.class,
            () ->
                room.as("an")
                    .from("owner.upload")
                    .where(dev.cleanroom.query.Dsl.col("n").eq(1L))
                    .cohort()
                    .activateFor("owner"));
    String seen = everything(e);
    for (String leak : List.of("partner_upload", "line", "22", "SECRET_VALUE_7")) {
      assertFalse(seen.contains(leak), () -> "[" + leak + "] reached the analyst: " + seen);
    }
    assertEquals(Optional.of(e.incidentId()), owner.last().incidentId());
    assertTrue(owner.last().reason().contains("line 22"), owner.last().reason());
    assertEquals(e.getMessage(), host.last().reason());
  }

  @Test
  void partyAuditSink_isSetOncePerParty() {
    CleanRoom.Builder b = CleanRoom.builder().partyAuditSink("owner", owner);
    assertThrows(IllegalStateException.class, () -> b.partyAuditSink("owner", other));
    assertThrows(IllegalArgumentException.class, () -> b.partyAuditSink("not a name", other));
    assertThrows(NullPointerException.class, () -> b.partyAuditSink("x", null));
    b.partyAuditSink("other", other);
  }
}
