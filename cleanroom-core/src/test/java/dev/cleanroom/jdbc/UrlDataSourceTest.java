package dev.cleanroom.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.Statement;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** {@link JdbcSource#dataSource}: a source from a JDBC URL, no hand-written glue. */
class UrlDataSourceTest {
  @Test
  void aSourceBuiltFromAUrl_readsTheTable() throws Exception {
    DataSource db = JdbcSource.dataSource("jdbc:h2:mem:urltest;DB_CLOSE_DELAY=-1");
    try (Connection c = db.getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE visits (uid VARCHAR(64), visits BIGINT)");
      s.execute("INSERT INTO visits VALUES ('p1', 3), ('p2', 4)");
    }
    JdbcSource source = JdbcSource.builder(db, "VISITS").build();
    assertEquals(SqlDialect.H2, source.dialect());
    assertEquals(2, source.schema().names().size());
    source.check();
    assertTrue(source.dataIdentity().isPresent(), "a URL identifies the data");
    assertEquals(
        source.dataIdentity(),
        JdbcSource.builder(JdbcSource.dataSource("jdbc:h2:mem:urltest;DB_CLOSE_DELAY=-1"), "VISITS")
            .build()
            .dataIdentity(),
        "two data source objects over one table: one identity, one budget");
    try (Connection c = db.getConnection();
        Statement s = c.createStatement()) {
      s.execute("DROP TABLE visits");
    }
  }

  @Test
  void credentialsAreUsed_andNeverShown() throws Exception {
    DataSource db =
        JdbcSource.dataSource("jdbc:h2:mem:creds;DB_CLOSE_DELAY=-1", "owner", "s3cret-pass");
    try (Connection c = db.getConnection()) {
      assertEquals("OWNER", c.getMetaData().getUserName());
    }
    assertFalse(db.toString().contains("s3cret-pass"), db::toString);
    assertFalse(db.toString().contains("creds"), db::toString);
  }

  @Test
  void aUrlNotOfJdbc_isRefusedWithoutEchoingIt() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> JdbcSource.dataSource("postgres://u:pw-in-url@host/db"));
    assertFalse(e.getMessage().contains("pw-in-url"), e.getMessage());
    assertThrows(NullPointerException.class, () -> JdbcSource.dataSource(null));
  }
}
