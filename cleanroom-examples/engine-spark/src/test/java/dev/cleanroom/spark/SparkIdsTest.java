package dev.cleanroom.spark;

import dev.cleanroom.jdbc.IdEnds;
import dev.cleanroom.jdbc.SqlDialect;
import java.sql.Connection;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/**
 * Spark SQL normalizes ids as Java does: the regular expressions of {@link SqlDialect#normalizedId}
 * ({@code java.util.regex} on the executors) and the fast path of {@link
 * SqlDialect#normalizedColumnId}, over characters of the Basic Multilingual Plane that Spark makes
 * itself at both ends of ids of every format ({@link IdEnds}), through the Thrift server.
 */
class SparkIdsTest {
  @Test
  void bmpCharacters_atBothEnds_asJava() throws SQLException {
    // Spark's chr() takes the code point modulo 256; format_string's %c takes any code point.
    String characters =
        "SELECT CAST(id AS INT) AS `cp`, format_string('%c', CAST(id AS INT)) AS `c`"
            + " FROM range(1, 65536) WHERE "
            + IdEnds.sampled("id");
    try (Connection c = SparkCluster.get().connect()) {
      IdEnds.check("Spark", c, SqlDialect.SPARK, characters);
    }
  }
}
