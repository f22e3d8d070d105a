package dev.cleanroom.engine.trino;

import dev.cleanroom.jdbc.IdEnds;
import dev.cleanroom.jdbc.SqlDialect;
import java.sql.Connection;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/**
 * Trino normalizes ids as Java does: the regular expressions of {@link SqlDialect#normalizedId}
 * (Trino's Joni) and the fast path of {@link SqlDialect#normalizedColumnId}, over characters of the
 * Basic Multilingual Plane that Trino makes itself ({@code chr}) at both ends of ids of every
 * format ({@link IdEnds}).
 */
class TrinoIdsTest {
  @Test
  void bmpCharacters_atBothEnds_asJava() throws SQLException {
    // A sequence holds at most 10,000 entries: the code points are 256 x 256 pairs.
    String characters =
        "SELECT i AS \"cp\", chr(i) AS \"c\" FROM (SELECT hi * 256 + lo AS i"
            + " FROM UNNEST(sequence(0, 255)) AS h (hi) CROSS JOIN UNNEST(sequence(0, 255)) AS l (lo))"
            + " WHERE "
            + IdEnds.sampled("i");
    try (Connection c = TrinoCluster.get().jdbc().getConnection()) {
      IdEnds.check("Trino", c, SqlDialect.TRINO, characters);
    }
  }
}
