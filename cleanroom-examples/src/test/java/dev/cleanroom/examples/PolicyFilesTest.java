package dev.cleanroom.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.AggregateFunction;
import dev.cleanroom.Bounds;
import dev.cleanroom.BudgetPeriod;
import dev.cleanroom.ColumnRole;
import dev.cleanroom.Policy;
import dev.cleanroom.PrivacyBudget;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.audit.AuditTrails;
import dev.cleanroom.policy.PolicyDocument;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The policy documents shipped with the examples hold exactly the rules the examples set in code
 * before, and the rooms report their hashes.
 */
class PolicyFilesTest {
  @Test
  void advertiserDocuments_holdTheAdvertisersRules() {
    for (boolean dp : new boolean[] {false, true}) {
      Policy.Builder b = Policy.builder();
      if (dp) {
        b.differentialPrivacy(PrivacyBudget.epsilonDelta(10, 1e-5), 1.0)
            .budgetPeriod(BudgetPeriod.MONTHLY);
      }
      Policy expected =
          b.allowAnalysts("advertiser")
              .allowJoinOn("email")
              .allowCohortRelease("publisher")
              .minDistinctUsers(25)
              .maxGroupsPerUser(5)
              .allowAggregates("purchaseValue", AggregateFunction.SUM, AggregateFunction.AVG)
              .clampPerGroup("purchaseValue", 0, 500)
              .build();
      PolicyDocument doc = AdMeasurementExample.advertiserDocument(dp);
      assertEquals(expected, doc.policy());
      assertEquals("advertiser.conversions", doc.qualifiedName());
      assertEquals(UserIdFormat.EMAIL, doc.userIdFormat());
      assertEquals(
          Map.of(
              "channel", ColumnRole.DIMENSION,
              "day", ColumnRole.DIMENSION,
              "email", ColumnRole.USER_ID,
              "purchaseValue", ColumnRole.METRIC),
          doc.roles());
      assertEquals(Map.of("purchaseValue", Bounds.of(0, 10_000)), doc.metricBounds());
      var room =
          AdMeasurementExample.room(
              AdMeasurementExample.Sources.inMemory(AdData.generate(3, 50, 20, 0.4)),
              dp,
              AuditTrails.inMemory());
      assertEquals(doc.hash(), room.version("advertiser.conversions").policyHash());
    }
  }

  @Test
  void retailerDocument_holdsTheRetailersRules() {
    Policy expected =
        Policy.builder()
            .allowAnalysts("brand")
            .allowJoinOn("loyaltyEmail")
            .minDistinctUsers(50)
            .maxGroupsPerUser(1)
            .clampPerGroup("amount", 0, RetailPromotionExample.MAX_PER_SHOPPER)
            .differentialPrivacy(PrivacyBudget.epsilonDelta(4, 1e-6), 1.0)
            .budgetPeriod(BudgetPeriod.MONTHLY)
            .build();
    PolicyDocument doc = PolicyFiles.load("retailer-sales.yaml");
    assertEquals(expected, doc.policy());
    assertEquals(
        Map.of(
            "amount", Bounds.of(0, RetailPromotionExample.MAX_LINE), "promoted", Bounds.of(0, 1)),
        doc.metricBounds());
    assertEquals(UserIdFormat.EMAIL, doc.userIdFormat());
    assertEquals(
        Map.of(
            "amount", ColumnRole.METRIC,
            "brand", ColumnRole.DIMENSION,
            "loyaltyEmail", ColumnRole.USER_ID,
            "promoted", ColumnRole.METRIC,
            "region", ColumnRole.DIMENSION),
        doc.roles());
  }

  @Test
  void readmesPolicyDocument_isTheShippedRetailerDocument() throws Exception {
    Path readme = Path.of("README.md");
    if (!Files.exists(readme)) {
      readme = Path.of("..", "README.md");
    }
    String text = Files.readString(readme, StandardCharsets.UTF_8);
    int section = text.indexOf("\n## Policy documents\n");
    assertTrue(section >= 0, "README has a section Policy documents");
    int from = text.indexOf("```yaml\n", section);
    int to = text.indexOf("\n```", from + 8);
    assertTrue(from > section && to > from, "the section has a YAML block");
    PolicyDocument inReadme = PolicyDocument.parse(text.substring(from + 8, to + 1));
    PolicyDocument shipped = PolicyFiles.load("retailer-sales.yaml");
    assertEquals(shipped, inReadme);
    assertEquals(shipped.hash(), inReadme.hash());
    assertTrue(inReadme.metricBounds().containsKey("promoted"), "the retail example's metric");
  }

  @Test
  void hospitalDocuments_holdTheSameRulesAsHospitalB() {
    for (boolean dp : new boolean[] {false, true}) {
      Policy.Builder b =
          Policy.builder()
              .allowAnalysts("research")
              .allowJoinOn("patientId")
              .minDistinctUsers(HealthcareExample.K)
              .maxGroupsPerUser(3)
              .allowAggregates("hba1c", AggregateFunction.QUANTILE);
      if (dp) {
        b.differentialPrivacy(PrivacyBudget.epsilonDelta(3, 1e-6), 1.0);
      }
      PolicyDocument doc =
          PolicyFiles.load(dp ? "hospital_a-diagnoses-dp.yaml" : "hospital_a-diagnoses.yaml");
      assertEquals(b.build(), doc.policy());
      var room =
          HealthcareExample.room(
              HealthcareExample.Data.generate(5, 40, 30), dp, AuditTrails.inMemory());
      assertEquals(doc.hash(), room.version("hospital_a.diagnoses").policyHash());
      // Hospital B's rules, made in code, are the same document but for the owner.
      String b2 = doc.toYaml().replace("owner: hospital_a", "owner: hospital_b");
      assertEquals(
          PolicyDocument.parse(b2).hash(), room.version("hospital_b.diagnoses").policyHash());
    }
  }
}
