package dev.cleanroom.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.PolicyRule;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ScanRequestTest {
  @Test
  void of_usesDefaults() {
    ScanRequest r = ScanRequest.of(List.of("a", "b"));
    assertEquals(List.of("a", "b"), r.columns());
    assertEquals(Set.of(), r.nonEmptyColumns());
    assertEquals(List.of(), r.filter());
    assertEquals(ScanRequest.DEFAULT_BATCH_SIZE, r.batchSize());
  }

  @Test
  void noColumns_isRejected() {
    assertThrows(IllegalArgumentException.class, () -> ScanRequest.of(List.of()));
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -1, Integer.MIN_VALUE})
  void batchSize_notPositive_isRejected(int batchSize) {
    assertThrows(
        IllegalArgumentException.class,
        () -> new ScanRequest(List.of("a"), Set.of(), List.of(), batchSize));
  }

  @Test
  void lists_areCopied() {
    List<String> columns = new ArrayList<>(List.of("a"));
    ScanRequest r = ScanRequest.of(columns);
    columns.add("b");
    assertEquals(List.of("a"), r.columns());
    assertThrows(UnsupportedOperationException.class, () -> r.columns().add("c"));
  }

  @Test
  void sourceCapabilities_none_hasNoPushdown() {
    assertFalse(SourceCapabilities.NONE.filterPushdown());
    assertTrue(new SourceCapabilities(true).filterPushdown());
  }

  @Test
  void auditEvent_copiesDatasetsAndRejectsNull() {
    List<String> datasets = new ArrayList<>(List.of("p.x"));
    AuditEvent e =
        new AuditEvent(
            Instant.EPOCH,
            "q1",
            "adv",
            datasets,
            "f",
            AuditEvent.Outcome.REFUSED,
            Optional.of(PolicyRule.JOIN_ALLOWED),
            "no");
    datasets.add("q.y");
    assertEquals(List.of("p.x"), e.datasets());
    assertThrows(
        NullPointerException.class,
        () ->
            new AuditEvent(
                Instant.EPOCH, "q1", "adv", List.of(), "f", AuditEvent.Outcome.ACCEPTED, null, ""));
  }
}
