package dev.cleanroom.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkloadTest {
  @Test
  void sameSeed_sameRows_andTheStatedShape() {
    Workload a = Workload.generate(Workload.Scale.of("tiny"), 7);
    Workload b = Workload.generate(Workload.Scale.of("tiny"), 7);
    assertEquals(100_000, a.impressionRows());
    assertEquals(40_000, a.conversionRows());
    Set<String> impressionUsers = new HashSet<>();
    for (int r = 0; r < a.impressionRows(); r++) {
      assertEquals(a.impressionUser(r), b.impressionUser(r));
      assertTrue(a.campaign(r) >= 0 && a.campaign(r) < Workload.CAMPAIGNS);
      impressionUsers.add(a.impressionUser(r));
    }
    Set<String> converters = new HashSet<>();
    for (int r = 0; r < a.conversionRows(); r++) {
      assertEquals(a.value(r), b.value(r));
      assertTrue(a.value(r) > 0 && a.value(r) <= 10_000);
      converters.add(a.conversionUser(r));
    }
    Set<String> both = new HashSet<>(converters);
    both.retainAll(impressionUsers);
    // About half of the converters also saw impressions.
    assertTrue(both.size() > converters.size() * 0.4, "shared " + both.size());
    assertTrue(both.size() < converters.size() * 0.6, "shared " + both.size());
  }

  @Test
  void csvFiles_haveAHeaderAndOneLinePerRow(@TempDir Path dir) throws Exception {
    Workload w = Workload.generate(Workload.Scale.of("tiny"), 1);
    w.writeCsv(dir.resolve("i.csv"), dir.resolve("c.csv"));
    List<String> lines = Files.readAllLines(dir.resolve("c.csv"));
    assertEquals("user_id,value", lines.get(0));
    assertEquals(w.conversionRows() + 1, lines.size());
    assertEquals(w.conversionUser(0) + "," + w.value(0), lines.get(1));
  }

  @Test
  void unknownScale_isRejected() {
    assertThrows(IllegalArgumentException.class, () -> Workload.Scale.of("huge"));
  }
}
