package dev.cleanroom.internal.room;

import static dev.cleanroom.internal.room.AdFixture.ANALYST;
import static dev.cleanroom.internal.room.AdFixture.CONVERSIONS;
import static dev.cleanroom.internal.room.AdFixture.IMPRESSIONS;
import static dev.cleanroom.query.Dsl.col;
import static dev.cleanroom.query.Dsl.count;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static dev.cleanroom.query.Dsl.param;
import static dev.cleanroom.query.Dsl.sum;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cleanroom.InvalidQueryException;
import dev.cleanroom.Param;
import dev.cleanroom.PrivacyBudget;
import dev.cleanroom.QueryTemplate;
import dev.cleanroom.query.FinalStage;
import dev.cleanroom.query.NoiseKind;
import dev.cleanroom.query.Privacy;
import dev.cleanroom.query.QuerySpec;
import dev.cleanroom.query.Result;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** SQL text in a room: it runs, explains and takes settings exactly as its builder twin. */
class SqlRoomTest {
  private static final String SQL =
      """
      SELECT campaign, COUNT(DISTINCT USER_ID) AS people, SUM(spend) AS spend, COUNT(*)
      FROM publisher.impressions
      JOIN advertiser.conversions USING (USER_ID)
      WHERE impressions.country IN ('DE', 'FR') AND hour >= 0
      GROUP BY campaign""";

  private final AdFixture f = new AdFixture();

  private FinalStage builder() {
    return f.room
        .as(ANALYST)
        .from(IMPRESSIONS)
        .join(CONVERSIONS)
        .onUserId()
        .where(col("impressions.country").in("DE", "FR"))
        .where(col("hour").ge(0))
        .groupBy("campaign")
        .select(countDistinctUsers().as("people"), sum("spend").as("spend"), count());
  }

  @Test
  void sql_runsAndExplainsAsItsBuilderTwin() {
    assertEquals(builder().spec(), f.room.as(ANALYST).sql(SQL).spec());
    Result fromBuilder = builder().run();
    Result fromSql = f.room.as(ANALYST).sql(SQL).run();
    assertFalse(fromSql.rows().isEmpty());
    assertEquals(fromBuilder.columns(), fromSql.columns());
    assertEquals(fromBuilder.rows(), fromSql.rows());
    assertEquals(builder().explain(), f.room.as(ANALYST).sql(SQL).explain());
  }

  @Test
  void toSql_ofTheBuilderQuery_runsToTheSameRows() {
    String text = builder().spec().toSql();
    assertEquals(builder().run().rows(), f.room.as(ANALYST).sql(text).run().rows());
  }

  @Test
  void budgetByTheApi_orInTheText_giveTheSameSpec() {
    String text =
        "WITH differential_privacy AS (SELECT 0.5 AS epsilon, 1.0E-6 AS delta,"
            + " 'GAUSSIAN' AS noise) "
            + SQL;
    QuerySpec inText = f.room.as(ANALYST).sql(text).spec();
    QuerySpec byApi =
        f.room
            .as(ANALYST)
            .sql(SQL)
            .budget(PrivacyBudget.epsilonDelta(0.5, 0.000001))
            .noise(NoiseKind.GAUSSIAN)
            .spec();
    assertEquals(byApi, inText);
    assertEquals(
        new Privacy.Differential(
            PrivacyBudget.epsilonDelta(0.5, 0.000001), NoiseKind.GAUSSIAN, Optional.empty()),
        inText.privacy());
    assertThrows(IllegalStateException.class, () -> f.room.as(ANALYST).sql(text).epsilon(1.0));
  }

  @Test
  void sqlCohort_reachesTheSameCohortStage() {
    assertEquals(
        f.room
            .as(ANALYST)
            .from(IMPRESSIONS)
            .join(CONVERSIONS)
            .onUserId()
            .where(col("campaign").eq("c1"))
            .cohort()
            .spec("publisher"),
        f.room
            .as(ANALYST)
            .sqlCohort(
                "SELECT USER_ID FROM publisher.impressions JOIN advertiser.conversions"
                    + " USING (USER_ID) WHERE campaign = 'c1'")
            .spec("publisher"));
  }

  @Test
  void template_writtenInSql_hasTheBuilderTemplatesHash() {
    QueryTemplate fromBuilder =
        QueryTemplate.of(
            "by_campaign",
            f.room
                .as(ANALYST)
                .from(IMPRESSIONS)
                .where(col("campaign").eq(param("campaign")))
                .groupBy("country")
                .select(countDistinctUsers())
                .spec(),
            Param.textParam("campaign", Set.of("c1", "c2")));
    QueryTemplate fromSql =
        QueryTemplate.of(
            "by_campaign",
            f.room
                .as(ANALYST)
                .sql(
                    "SELECT country, COUNT(DISTINCT USER_ID) FROM publisher.impressions"
                        + " WHERE campaign = :campaign GROUP BY country")
                .spec(),
            Param.textParam("campaign", Set.of("c1", "c2")));
    assertEquals(fromBuilder, fromSql);
    assertEquals(fromBuilder.contentHash(), fromSql.contentHash());
    f.room.registerTemplate(fromSql);
    assertEquals(Optional.of(fromSql), f.room.template("by_campaign"));
  }

  @Test
  void invalidSql_isRefusedBeforeAnyScan() {
    int before = f.scans();
    assertThrows(
        InvalidQueryException.class,
        () -> f.room.as(ANALYST).sql("SELECT * FROM publisher.impressions").run());
    assertThrows(
        InvalidQueryException.class,
        () -> f.room.as(ANALYST).sql("SELECT campaign FROM publisher.impressions LIMIT 1"));
    assertEquals(before, f.scans());
  }
}
