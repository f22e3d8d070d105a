package dev.cleanroom.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.testing.NullPointerTester;
import dev.cleanroom.Column;
import dev.cleanroom.Schema;
import dev.cleanroom.source.MalformedRows;
import java.sql.SQLException;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The builder of {@link JdbcSource}: validation, set-once options, defaults, table lookup. */
class JdbcSourceBuilderTest {
  private static TestDatabase db;

  @BeforeAll
  static void createTables() throws SQLException {
    db = TestDatabase.h2();
    db.execute(
        "CREATE TABLE orders (id BIGINT NOT NULL, country VARCHAR(2), amount DOUBLE PRECISION)",
        "CREATE TABLE flags (b VARBINARY(4), d UUID)",
        "CREATE SCHEMA other",
        "CREATE TABLE other.orders (x BIGINT)",
        "CREATE SCHEMA s1",
        "CREATE SCHEMA s2",
        "CREATE TABLE s1.dup (a BIGINT)",
        "CREATE TABLE s2.dup (b BIGINT)");
  }

  @AfterAll
  static void dropTables() throws Exception {
    db.close();
  }

  private static JdbcSource.Builder builder() {
    return JdbcSource.builder(db.dataSource(), "orders");
  }

  @Test
  void nullArguments_areRejected() {
    NullPointerTester tester = new NullPointerTester();
    tester.setDefault(javax.sql.DataSource.class, db.dataSource());
    tester.setDefault(String.class, "orders");
    tester.testAllPublicStaticMethods(JdbcSource.class);
    tester.testAllPublicInstanceMethods(builder());
    tester.testAllPublicInstanceMethods(builder().build());
  }

  @Test
  void defaults() {
    JdbcSource s = builder().build();
    assertEquals("orders", s.name());
    assertEquals(JdbcSource.DEFAULT_FETCH_SIZE, s.fetchSize());
    assertEquals(10_000, JdbcSource.DEFAULT_FETCH_SIZE);
    assertEquals(SqlDialect.H2, s.dialect());
    assertEquals(db.dataSource(), s.jdbc());
    // ORDERS exists in PUBLIC and OTHER: the connection's current schema wins.
    assertEquals("\"PUBLIC\".\"ORDERS\"", s.tableSql());
    assertEquals(
        Schema.of(Column.int64("ID"), Column.string("COUNTRY"), Column.float64("AMOUNT")),
        s.schema());
    assertEquals("\"ID\"", s.column("ID"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.column("id"));
    assertEquals(
        "column [id] not found in source orders; its columns are: [ID, COUNTRY, AMOUNT]",
        e.getMessage());
  }

  @Test
  void options_areApplied() {
    JdbcSource s =
        builder()
            .schema("other")
            .name("publisher orders")
            .fetchSize(500)
            .dialect(SqlDialect.ANSI)
            .build();
    assertEquals("publisher orders", s.name());
    assertEquals(500, s.fetchSize());
    assertEquals(SqlDialect.ANSI, s.dialect());
    assertEquals("\"OTHER\".\"ORDERS\"", s.tableSql());
    assertEquals(Schema.of(Column.int64("X")), s.schema());
    assertEquals(1, builder().fetchSize(1).build().fetchSize());
  }

  @Test
  void options_canBeSetOnlyOnce() {
    assertSecondCallFails(
        "schema was already set to [other]", b -> b.schema("other"), b -> b.schema("s1"));
    assertSecondCallFails(
        "catalog was already set to [c1]", b -> b.catalog("c1"), b -> b.catalog("c2"));
    assertSecondCallFails(
        "dialect was already set to H2",
        b -> b.dialect(SqlDialect.H2),
        b -> b.dialect(SqlDialect.H2));
    assertSecondCallFails(
        "fetchSize was already set to 5", b -> b.fetchSize(5), b -> b.fetchSize(6));
    assertSecondCallFails("name was already set to [a]", b -> b.name("a"), b -> b.name("b"));
    assertSecondCallFails(
        "skipMalformedRows was already set to false",
        b -> b.skipMalformedRows(false),
        b -> b.skipMalformedRows(true));
  }

  @Test
  void skipMalformedRows_isOffByDefault_andChangesTheCapabilities() {
    JdbcSource strict = builder().build();
    assertFalse(strict.skipsMalformedRows());
    assertTrue(strict.capabilities().filterPushdown());
    assertEquals(Optional.of(strict), strict.capabilities().sqlTable());
    assertEquals(MalformedRows.NONE, strict.malformedRows());
    assertEquals(0, strict.skippedRows());

    JdbcSource skipping = builder().skipMalformedRows(true).build();
    assertTrue(skipping.skipsMalformedRows());
    assertFalse(skipping.capabilities().filterPushdown(), "no filter is pushed");
    // The table is still declared: it identifies the data for the room's budgets.
    assertEquals(Optional.of(skipping), skipping.capabilities().sqlTable());
    assertEquals(MalformedRows.NONE, skipping.malformedRows());
    assertFalse(builder().skipMalformedRows(false).build().skipsMalformedRows());
  }

  private interface Step {
    void apply(JdbcSource.Builder b);
  }

  private static void assertSecondCallFails(String message, Step first, Step second) {
    JdbcSource.Builder b = builder();
    first.apply(b);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> second.apply(b));
    assertEquals(message, e.getMessage());
  }

  @Test
  void fetchSize_notPositive_isRejected() {
    for (int bad : new int[] {0, -1, Integer.MIN_VALUE}) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> builder().fetchSize(bad).build());
      assertEquals("fetchSize must be positive; provided value: " + bad, e.getMessage());
    }
  }

  @Test
  void blankNames_areRejected() {
    assertIllegal("table must not be empty", () -> JdbcSource.builder(db.dataSource(), ""));
    assertIllegal(
        "name must not be blank; provided value: ' \t'", () -> builder().name(" \t").build());
    assertIllegal("schema must not be empty", () -> builder().schema("").build());
    assertIllegal("catalog must not be empty", () -> builder().catalog("").build());
  }

  @Test
  void missingTable_namesTheTablesOfTheSchema() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> JdbcSource.builder(db.dataSource(), "ordres").build());
    assertTrue(
        e.getMessage().startsWith("table [ordres] not found; the tables in schema [PUBLIC] are: ["),
        e.getMessage());
    assertTrue(e.getMessage().contains("ORDERS"), e.getMessage());
    assertTrue(e.getMessage().contains("FLAGS"), e.getMessage());
    assertFalse(e.getMessage().contains("DUP"), e.getMessage());

    e = assertThrows(IllegalArgumentException.class, () -> builder().schema("s1").build());
    assertEquals(
        "table [orders] not found in schema [s1]; the tables in schema [s1] are: [DUP]",
        e.getMessage());
  }

  @Test
  void tableInSeveralSchemas_needsASchema() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> JdbcSource.builder(db.dataSource(), "dup").build());
    assertTrue(
        e.getMessage().startsWith("table [DUP] exists in several schemas ["), e.getMessage());
    assertEquals(
        Schema.of(Column.int64("B")),
        JdbcSource.builder(db.dataSource(), "dup").schema("S2").build().schema());
  }

  @Test
  void tableWithoutUsableColumns_isRejected() {
    assertIllegal(
        "table [FLAGS] has no column of a supported type (text, integer, floating-point or"
            + " decimal) with a valid name; 2 columns were left out",
        () -> JdbcSource.builder(db.dataSource(), "flags").build());
  }

  @Test
  void toString_namesTheTableButNotTheConnection() {
    String s = builder().build().toString();
    assertEquals("JdbcSource[orders, H2, 3 columns]", s);
    assertFalse(db.dataSource().toString().isEmpty());
    assertFalse(s.contains("secret"), s);
    assertFalse(s.contains("jdbc:"), s);
  }

  private static void assertIllegal(String message, Executable call) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
    assertEquals(message, e.getMessage());
  }
}
