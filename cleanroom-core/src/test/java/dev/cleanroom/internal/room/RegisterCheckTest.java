package dev.cleanroom.internal.room;

import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.Column;
import dev.cleanroom.DataSourceException;
import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import dev.cleanroom.Schema;
import dev.cleanroom.SecretKey;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.internal.execution.PushdownDatabases;
import dev.cleanroom.jdbc.JdbcSource;
import dev.cleanroom.source.CsvSource;
import dev.cleanroom.spi.DataSource;
import dev.cleanroom.spi.Scan;
import dev.cleanroom.spi.ScanRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A dataset over a source that cannot be read as its schema declares fails when it is registered,
 * with a message that names the file or table and the column, and is not registered; the message
 * never holds a data value.
 */
class RegisterCheckTest {
  private static final Schema SCHEMA =
      Schema.of(Column.string("uid"), Column.string("region"), Column.int64("visits"));

  private final CleanRoom room =
      CleanRoom.builder()
          .secretKey(SecretKey.of("register-check-key-0123456789abc".getBytes(UTF_8)))
          .auditSink(e -> {})
          .build();

  private static Dataset dataset(String name, DataSource source, String uid, String region) {
    return Dataset.builder("pub", name)
        .source(source)
        .userId(uid, UserIdFormat.RAW)
        .dimension(region)
        .policy(
            Policy.builder()
                .allowAnalysts("analyst")
                .minDistinctUsers(2)
                .withoutDifferenceChecks()
                .build())
        .build();
  }

  private static String csv(int people) {
    StringBuilder b = new StringBuilder("uid,region,visits\n");
    for (int i = 0; i < people; i++) {
      b.append("p").append(i).append(",east,").append(i).append('\n');
    }
    return b.toString();
  }

  @Test
  void missingCsvFile_failsAtRegistration_andCanBeRegisteredOnceItExists(@TempDir Path dir)
      throws Exception {
    Path file = dir.resolve("visits.csv");
    DataSourceException e =
        assertThrows(
            DataSourceException.class,
            () -> room.register(dataset("visits", CsvSource.of(file, SCHEMA), "uid", "region")));
    assertTrue(e.getMessage().contains("visits.csv"), e.getMessage());
    // Nothing was registered: the same name registers once the file is there.
    Files.writeString(file, csv(3));
    room.register(dataset("visits", CsvSource.of(file, SCHEMA), "uid", "region"));
    long people =
        room.as("analyst")
            .from("pub.visits")
            .select(countDistinctUsers())
            .run()
            .rows()
            .get(0)
            .getLong("distinct_users");
    assertEquals(3, people);
  }

  @Test
  void csvWithoutADeclaredColumn_namesTheColumn(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("visits.csv");
    Files.writeString(file, "uid,region\np1,east\n");
    DataSourceException e =
        assertThrows(
            DataSourceException.class,
            () -> room.register(dataset("visits", CsvSource.of(file, SCHEMA), "uid", "region")));
    assertTrue(e.getMessage().contains("visits"), e.getMessage());
    assertTrue(e.getMessage().contains("lacks this column"), e.getMessage());
  }

  @Test
  void csvWhoseFirstRowIsNotOfTheDeclaredType_namesLineAndColumn_withoutTheValue(@TempDir Path dir)
      throws Exception {
    Path file = dir.resolve("visits.csv");
    Files.writeString(file, "uid,region,visits\np1,east,secret-value-17\n");
    DataSourceException e =
        assertThrows(
            DataSourceException.class,
            () -> room.register(dataset("visits", CsvSource.of(file, SCHEMA), "uid", "region")));
    assertEquals("visits", e.column());
    assertEquals(java.util.OptionalLong.of(2), e.line());
    assertFalse(e.getMessage().contains("secret-value-17"), e.getMessage());
  }

  @Test
  void jdbcTableDroppedAfterTheSourceWasBuilt_failsAtRegistration() throws Exception {
    try (PushdownDatabases.Db db = PushdownDatabases.h2()) {
      db.execute("CREATE TABLE visits (uid VARCHAR(64), region VARCHAR(16), visits BIGINT)");
      List<Object[]> rows = new ArrayList<>();
      rows.add(new Object[] {"p1", "east", 1L});
      db.insert("visits", rows);
      JdbcSource source = JdbcSource.builder(db.dataSource(), "VISITS").build();
      room.register(dataset("ok", source, "UID", "REGION"));
      db.execute("DROP TABLE visits");
      DataSourceException e =
          assertThrows(
              DataSourceException.class,
              () -> room.register(dataset("gone", source, "UID", "REGION")));
      assertTrue(e.getMessage().contains("VISITS"), e.getMessage());
      assertTrue(e.getMessage().contains("SQL state"), e.getMessage());
    }
  }

  @Test
  void anAdaptersOwnFailure_isReportedWithoutItsMessage() {
    DataSource broken =
        new DataSource() {
          @Override
          public String name() {
            return "broken";
          }

          @Override
          public Schema schema() {
            return SCHEMA;
          }

          @Override
          public void check() {
            throw new IllegalStateException("row of secret-person-42 is bad");
          }

          @Override
          public Scan scan(ScanRequest request) {
            throw new UnsupportedOperationException();
          }
        };
    DataSourceException e =
        assertThrows(
            DataSourceException.class,
            () -> room.register(dataset("broken", broken, "uid", "region")));
    assertTrue(e.getMessage().contains("broken"), e.getMessage());
    assertTrue(e.getMessage().contains("IllegalStateException"), e.getMessage());
    assertFalse(e.getMessage().contains("secret-person-42"), e.getMessage());
  }

  @Test
  void registrationCheck_ofASkippingCsvSource_isNotInTheOwnersReport(@TempDir Path dir)
      throws Exception {
    Path file = dir.resolve("visits.csv");
    Files.writeString(file, "uid,region,visits\np0,east\n" + csv(3).substring(18));
    CsvSource source = CsvSource.builder(file, SCHEMA).skipMalformedRows(true).build();
    room.register(dataset("skipping", source, "uid", "region"));
    assertEquals(0, source.skippedRows());
    room.as("analyst").from("pub.skipping").select(countDistinctUsers()).run();
    assertEquals(1, source.skippedRows());
    assertEquals(2, source.malformedRows().rows().get(0).position());
  }
}
