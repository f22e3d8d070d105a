package dev.cleanroom.internal.execution;

import static dev.cleanroom.internal.execution.EveryPath.number;
import static dev.cleanroom.internal.execution.EveryPath.text;
import static dev.cleanroom.query.Dsl.avg;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.UserIdFormat;
import dev.cleanroom.internal.execution.EveryPath.Col;
import dev.cleanroom.internal.execution.EveryPath.P;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Seams between the paths that the random properties ({@link OneMeaningProperties}) did not reach,
 * each the same data and query on every path ({@link EveryPath}): a mean of values near the largest
 * double, groups of a DOUBLE column, and text keys that hold the rank text's separator, each with
 * people in more groups than L0.
 */
class EveryPathAgreementTest {
  private static PushdownDatabases.Opened dbs;

  @BeforeAll
  static void open() throws Exception {
    dbs = PushdownDatabases.Opened.open();
  }

  @AfterAll
  static void close() throws Exception {
    dbs.close();
  }

  private static String rows(String released) {
    return released.replaceFirst("^\\[[A-Z_]+\\] ", "");
  }

  // Principle: exact means exact; a released number is never silently wrong.
  @Test
  void theMeanOfValuesNearTheLargestDouble_isExactOnEveryPath() throws Exception {
    List<Col> cols = List.of(text("uid"), number("m"));
    List<Object[]> rows = new ArrayList<>();
    for (int u = 0; u < 3; u++) {
      rows.add(new Object[] {"u" + u + "@example.com", 1.5e308});
    }
    // The sum of the three is beyond the largest double; their mean is not.
    Map<P, String> m =
        EveryPath.runAll(
            dbs,
            cols,
            rows,
            d -> d.userId("uid", UserIdFormat.EMAIL).metric("m", -1.7e308, 1.7e308),
            p -> p.withoutDifferenceChecks(),
            room -> room.as("a").from("o.t").select(avg("m").as("mean")));
    for (Map.Entry<P, String> e : m.entrySet()) {
      assertEquals("[[1.5E308]]", rows(e.getValue()), e.getKey() + EveryPath.describe(m));
    }
  }

  /** 40 people, each in every group of {@code groups}, L0 = 1. */
  private static Map<P, String> byDouble(double... groups) throws Exception {
    List<Col> cols = List.of(text("uid"), number("score"));
    List<Object[]> rows = new ArrayList<>();
    for (int u = 0; u < 40; u++) {
      for (double g : groups) {
        rows.add(new Object[] {"u" + u + "@example.com", g});
      }
    }
    return EveryPath.runAll(
        dbs,
        cols,
        rows,
        d -> d.userId("uid", UserIdFormat.EMAIL).dimension("score"),
        p -> p.maxGroupsPerUser(1).withoutDifferenceChecks(),
        room -> room.as("a").from("o.t").groupBy("score").select(countDistinctUsers().as("n")));
  }

  // Principle: one meaning on every path. A database writes 1.0E7 as 10000000.0 and keeps -0.0,
  // so the keyed choice of a person's groups of a DOUBLE column runs in the engine, not there.
  @Test
  void groupsOfADoubleColumn_areTheSameOnEveryPath() throws Exception {
    for (double[] groups :
        List.of(
            new double[] {1e7, 2e7, 3e7, 4e7},
            new double[] {Double.NaN, 0.5, 1.5, 2.5},
            new double[] {-0.0, 0.5, 1.5, 2.5})) {
      Map<P, String> m = byDouble(groups);
      assertTrue(EveryPath.agree(m), EveryPath.describe(m));
      assertTrue(m.get(P.DUCK_PUSHED).startsWith("[STREAMED]"), EveryPath.describe(m));
    }
  }

  // Principle: one meaning on every path. ("a|b", "c") and ("a", "b|c") were one rank text, and a
  // database broke the tie as it read the rows.
  @Test
  void textKeysHoldingTheSeparator_keepTheSameGroupsOnEveryPath() throws Exception {
    List<Col> cols = List.of(text("uid"), text("x"), text("y"));
    List<Object[]> rows = new ArrayList<>();
    for (int u = 0; u < 60; u++) {
      Object[] first = {"u" + u + "@example.com", "a|b", "c"};
      Object[] second = {"u" + u + "@example.com", "a", "b|c"};
      Object[] third = {"u" + u + "@example.com", "a~", "!c"};
      rows.add(u % 2 == 0 ? first : second);
      rows.add(u % 2 == 0 ? second : first);
      rows.add(third);
    }
    Map<P, String> m =
        EveryPath.runAll(
            dbs,
            cols,
            rows,
            d -> d.userId("uid", UserIdFormat.EMAIL).dimensions("x", "y"),
            p -> p.maxGroupsPerUser(1).withoutDifferenceChecks(),
            room -> room.as("a").from("o.t").groupBy("x", "y").select(countDistinctUsers()));
    assertTrue(EveryPath.agree(m), EveryPath.describe(m));
    assertTrue(m.get(P.DUCK_PUSHED).startsWith("[PUSHED_DOWN]"), EveryPath.describe(m));
  }

  // Principle: one meaning of a person on every path. A lone surrogate is not Unicode text: the
  // hashes read it as "?", the text compares it as itself, so "p" + U+D800 and "p?" were one person
  // streamed and two in memory or in H2. No such id is of any format; a surrogate pair is a
  // character like any other.
  @Test
  void idsWithALoneSurrogate_belongToNoPerson_onEveryPathThatHoldsThem() throws Exception {
    List<Col> cols = List.of(text("uid"), text("g"));
    List<Object[]> rows = new ArrayList<>();
    for (String id : List.of("p\uD800", "p\uDC00", "p\uDE00\uD83D", "p?", "q", "p\uD83D\uDE00")) {
      rows.add(new Object[] {id, "x"});
    }
    // CSV files and DuckDB hold UTF-8, where the driver or the writer put "?" in their place.
    Map<P, String> m =
        EveryPath.runAll(
            dbs,
            cols,
            rows,
            d -> d.userId("uid", UserIdFormat.RAW).dimension("g"),
            p -> p.withoutDifferenceChecks(),
            room -> room.as("a").from("o.t").groupBy("g").select(countDistinctUsers()),
            P.IN_MEMORY,
            P.H2_PUSHED,
            P.H2_STREAMED);
    for (Map.Entry<P, String> e : m.entrySet()) {
      assertEquals("[[x, 3]]", rows(e.getValue()), e.getKey() + EveryPath.describe(m));
    }
    assertTrue(m.get(P.H2_PUSHED).startsWith("[PUSHED_DOWN]"), EveryPath.describe(m));
  }
}
