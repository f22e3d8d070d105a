package dev.cleanroom.internal.room;

import static dev.cleanroom.internal.room.CollabFixture.CONVERSIONS;
import static dev.cleanroom.internal.room.CollabFixture.IMPRESSIONS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.PolicyRule;
import dev.cleanroom.PolicyViolationException;
import dev.cleanroom.query.CohortStage;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.UniqueElements;

/**
 * Cohort activation against a reference: exactly the receiver's own ids, or a size-free refusal.
 */
class CohortProperties {
  @Property(tries = 200)
  void releasesExactlyTheReceiversOwnIds_orRefusesWithoutTheSize(
      @ForAll @Size(max = 20) @UniqueElements List<@IntRange(min = 0, max = 19) Integer> converters,
      @ForAll @IntRange(min = 2, max = 12) int publisherMin,
      @ForAll @IntRange(min = 2, max = 12) int advertiserMin) {
    CollabFixture f =
        new CollabFixture(
                converters,
                b -> b.allowCohortRelease("publisher").minCohortSize(publisherMin),
                b -> b.allowCohortRelease("publisher").minCohortSize(advertiserMin),
                b -> b)
            .cohortSink("publisher")
            .cohortSink("advertiser");
    CohortStage cohort = f.campaign7();
    Set<String> expected = new TreeSet<>();
    for (int u : converters) {
      if (u % 2 == 0) {
        expected.add(CollabFixture.pubId(u));
      }
    }
    int min = Math.max(publisherMin, advertiserMin);
    if (expected.size() >= min) {
      cohort.activateFor("publisher");
      assertEquals(List.of(expected), f.cohorts.get("publisher"));
    } else {
      PolicyViolationException e =
          assertThrows(PolicyViolationException.class, () -> cohort.activateFor("publisher"));
      assertEquals(PolicyRule.COHORT_MIN_SIZE, e.rule());
      assertEquals(publisherMin >= advertiserMin ? IMPRESSIONS : CONVERSIONS, e.dataset());
      assertEquals(
          "refused by the policy of "
              + e.dataset()
              + " (owner "
              + e.owner()
              + "), rule COHORT_MIN_SIZE: the cohort has fewer than the minimum of "
              + min
              + " people; nothing was released",
          e.getMessage());
      assertTrue(f.received("publisher").isEmpty());
    }
    assertEquals(new ArrayList<>(), f.received("advertiser"), "another party received ids");
  }
}
