package dev.cleanroom.policy;

import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.Column;
import dev.cleanroom.DatasetVersion;
import dev.cleanroom.Policy;
import dev.cleanroom.Schema;
import dev.cleanroom.source.InMemorySource;
import dev.cleanroom.spi.AuditEvent;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** A dataset registered from a document reports the document's hash and is audited under it. */
class PolicyDocumentRoomTest {
  private static final String DOC =
      """
      cleanroomPolicy: 1
      owner: shop
      dataset: visits
      columns:
        uid: {type: string, role: user_id}
        region: {type: string, role: dimension}
      policy:
        analysts: [analyst]
        minDistinctUsers: 5
        differenceCheckRetention: off
      """;

  private final List<AuditEvent> events = new CopyOnWriteArrayList<>();
  private final CleanRoom room = CleanRoom.builder().auditSink(events::add).build();

  private static InMemorySource source() {
    InMemorySource.Builder b =
        InMemorySource.builder(
            "visits",
            Schema.of(Column.string("uid"), Column.string("region"), Column.float64("secret")));
    for (int i = 0; i < 30; i++) {
      b.addRow("p" + i, "east", 1.0);
    }
    return b.build();
  }

  private AuditEvent lastQuery() {
    for (int i = events.size() - 1; i >= 0; i--) {
      if (events.get(i).outcome() != AuditEvent.Outcome.CHANGED) {
        return events.get(i);
      }
    }
    throw new AssertionError("no query was audited");
  }

  @Test
  void registeredFromADocument_versionHashIsTheDocumentsHash_andTheAuditRecordsIt() {
    PolicyDocument doc = PolicyDocument.parse(DOC);
    room.register(doc.dataset(source()));
    DatasetVersion v = room.version("shop.visits");
    assertEquals(doc.hash(), v.policyHash());
    room.as("analyst")
        .from("shop.visits")
        .groupBy("region")
        .select(countDistinctUsers().as("n"))
        .run();
    assertEquals(AuditEvent.Outcome.ACCEPTED, lastQuery().outcome());
    assertEquals(List.of("shop.visits@1:" + doc.hash()), lastQuery().policyVersions());

    // A refused query is audited under the version that refused it.
    try {
      room.as("analyst")
          .from("shop.visits")
          .groupBy("secret")
          .select(countDistinctUsers().as("n"))
          .run();
    } catch (RuntimeException expected) {
      // refused or invalid: the column is blocked
    }
    assertEquals(List.of("shop.visits@1:" + doc.hash()), lastQuery().policyVersions());

    // A tightened policy is a new version with the hash of its own document.
    PolicyDocument tighter =
        PolicyDocument.parse(DOC.replace("minDistinctUsers: 5", "minDistinctUsers: 6"));
    Policy policy = tighter.policy();
    DatasetVersion v2 = room.tightenPolicy("shop.visits", policy);
    assertEquals(2, v2.policy());
    assertEquals(tighter.hash(), v2.policyHash());
    assertNotEquals(doc.hash(), tighter.hash());
    room.as("analyst")
        .from("shop.visits")
        .groupBy("region")
        .select(countDistinctUsers().as("n"))
        .run();
    assertEquals(List.of("shop.visits@2:" + tighter.hash()), lastQuery().policyVersions());
    assertTrue(lastQuery().policyVersions().get(0).endsWith(v2.policyHash()));
  }

  @Test
  void aBuilderMadeDataset_hasTheHashOfItsDocument() {
    InMemorySource source = source();
    var dataset =
        dev.cleanroom.Dataset.builder("shop", "visits")
            .source(source)
            .userId("uid")
            .dimension("region")
            .policy(
                Policy.builder()
                    .allowAnalysts("analyst")
                    .minDistinctUsers(5)
                    .withoutDifferenceChecks()
                    .build())
            .build();
    room.register(dataset);
    assertEquals(PolicyDocument.parse(DOC).hash(), room.version("shop.visits").policyHash());
    assertEquals(PolicyDocument.of(dataset).hash(), room.version("shop.visits").policyHash());
  }
}
