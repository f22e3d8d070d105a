package dev.cleanroom.budget;

import static dev.cleanroom.budget.BudgetTesting.assertAmount;
import static dev.cleanroom.budget.BudgetTesting.eps;
import static dev.cleanroom.budget.BudgetTesting.epsDelta;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.BudgetExhaustedException;
import dev.cleanroom.internal.room.CapturedLogs;
import dev.cleanroom.spi.BudgetStore;
import dev.cleanroom.spi.LedgerCharge;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash recovery of the journal: a torn last record (every possible cut, every flipped byte) is
 * dropped and the journal continues after the last good record; damage before the last record
 * refuses to open.
 */
class JournalRecoveryTest {
  private static final String LOGGER = "dev.cleanroom.budget.JournalBudgetStore";
  private static final String HEADER = "cleanroom budget journal v1\n";
  private static final String UNICODE = "ünïcödé ledger / 名前";
  private static final List<String> LEDGERS = List.of("a", "b", "c", UNICODE);

  /** One record each; the last one spans three ledgers. */
  private static final List<List<LedgerCharge>> CHARGES =
      List.of(
          List.of(c("a", "0.25", "1e-9")),
          List.of(c("b", "0.5", "0")),
          List.of(c("a", "0.125", "0"), c("c", "0", "1e-7")),
          List.of(c("b", "0.3", "0"), c("c", "0.2", "0")),
          List.of(c("a", "0.0625", "0"), c("b", "0.0625", "0"), c(UNICODE, "0.01", "0")));

  /** Charged after recovery. */
  private static final List<LedgerCharge> AFTER =
      List.of(c("a", "0.001", "0"), c(UNICODE, "0.002", "0"));

  @TempDir Path dir;

  /** The journal after all of {@link #CHARGES}. */
  private byte[] journal;

  /** {@code ends[0]} is the end of the header, {@code ends[k]} the end of record k. */
  private final long[] ends = new long[CHARGES.size() + 1];

  @BeforeEach
  void writeJournal() throws IOException {
    Path file = dir.resolve("base.journal");
    try (BudgetStore store = BudgetStores.journal(file)) {
      ends[0] = Files.size(file);
      for (int k = 0; k < CHARGES.size(); k++) {
        store.charge(CHARGES.get(k));
        ends[k + 1] = Files.size(file); // durable before charge returned
      }
      // A refused charge appends nothing.
      assertThrows(
          BudgetExhaustedException.class, () -> store.charge(List.of(eps("a", "100", "10"))));
      assertEquals(ends[CHARGES.size()], Files.size(file));
    }
    journal = Files.readAllBytes(file);
  }

  @Test
  void format_isAHeaderThenOneChecksummedRecordPerCharge() {
    assertEquals(HEADER, new String(journal, 0, (int) ends[0], US_ASCII));
    ByteBuffer b = ByteBuffer.wrap(journal);
    b.position((int) ends[0]);
    int records = 0;
    while (b.hasRemaining()) {
      int start = b.position();
      assertEquals((byte) 0xF9, b.get(), "magic of record " + records);
      int length = b.getInt();
      CRC32C crc = new CRC32C();
      crc.update(journal, start, 5 + length);
      b.position(start + 5 + length);
      assertEquals((int) crc.getValue(), b.getInt(), "checksum of record " + records);
      records++;
      assertEquals(ends[records], b.position(), "end of record " + records);
      // The payload starts with the record's ledger count.
      assertEquals(
          CHARGES.get(records - 1).size(), ByteBuffer.wrap(journal, start + 5, 4).getInt());
    }
    assertEquals(CHARGES.size(), records);
    // Names are UTF-8, amounts exact decimal strings.
    String text = new String(journal, UTF_8);
    assertTrue(text.contains(UNICODE));
    assertTrue(text.contains("0.0625"));
    assertTrue(text.contains("1E-9"));
  }

  @Test
  void intactJournal_replaysEveryCharge_andLogsNothing() throws IOException {
    Path file = copy("intact", journal);
    CapturedLogs.clear();
    try (BudgetStore store = BudgetStores.journal(file)) {
      assertRecovered(store, CHARGES.size(), false);
    }
    assertEquals(List.of(), CapturedLogs.linesOf(LOGGER));
    assertArrayEquals(journal, Files.readAllBytes(file));
  }

  @Test
  void everyCutInsideTheLastRecord_recoversTheEarlierCharges_andAppendsAfterThem()
      throws IOException {
    int last = CHARGES.size();
    long lengthAfterAppend = -1;
    for (long cut = ends[last - 1]; cut < ends[last]; cut++) {
      Path file = copy("cut-" + cut, Arrays.copyOf(journal, (int) cut));
      try (BudgetStore store = BudgetStores.journal(file)) {
        assertRecovered(store, last - 1, false);
        assertEquals(ends[last - 1], Files.size(file), "truncated to the last good record");
        store.charge(AFTER);
        assertRecovered(store, last - 1, true);
      }
      try (BudgetStore reopened = BudgetStores.journal(file)) {
        assertRecovered(reopened, last - 1, true);
      }
      long length = Files.size(file);
      if (lengthAfterAppend < 0) {
        lengthAfterAppend = length;
      }
      assertEquals(lengthAfterAppend, length, "cut at " + cut);
      byte[] recovered = Files.readAllBytes(file);
      assertArrayEquals(
          Arrays.copyOf(journal, (int) ends[last - 1]),
          Arrays.copyOf(recovered, (int) ends[last - 1]),
          "good records untouched, cut at " + cut);
      Files.delete(file);
    }
  }

  @Test
  void flippedByteInTheLastRecord_isDroppedAsTorn() throws IOException {
    int last = CHARGES.size();
    for (long at = ends[last - 1]; at < ends[last]; at++) {
      for (int mask : new int[] {0x01, 0x80, 0xFF}) {
        byte[] damaged = journal.clone();
        damaged[(int) at] ^= (byte) mask;
        Path file = copy("flip-" + at + "-" + mask, damaged);
        try (BudgetStore store = BudgetStores.journal(file)) {
          assertRecovered(store, last - 1, false);
          assertEquals(ends[last - 1], Files.size(file), "flip at " + at);
        }
        Files.delete(file);
      }
    }
  }

  @Test
  void flippedByteInAnyEarlierRecord_refusesToOpen_namingTheRecordsOffset() throws IOException {
    int last = CHARGES.size();
    for (int record = 1; record < last; record++) {
      long start = ends[record - 1];
      for (long at = start; at < ends[record]; at++) {
        byte[] damaged = journal.clone();
        damaged[(int) at] ^= (byte) 0xFF;
        Path file = copy("flip-" + at, damaged);
        IllegalStateException e =
            assertThrows(IllegalStateException.class, () -> BudgetStores.journal(file));
        String message = e.getMessage();
        assertTrue(message.contains("damaged at byte offset " + start + ":"), message);
        assertFalse(message.contains("0.125") || message.contains(UNICODE), message);
        assertArrayEquals(damaged, Files.readAllBytes(file), "left untouched");
        // The failed open released the file: a second attempt fails the same way.
        IllegalStateException again =
            assertThrows(IllegalStateException.class, () -> BudgetStores.journal(file));
        assertEquals(message, again.getMessage());
        Files.delete(file);
      }
    }
  }

  @Test
  void tornRecovery_logsOneWarning_withOffsetButNoLedgers() throws IOException {
    int last = CHARGES.size();
    Path file = copy("torn", Arrays.copyOf(journal, (int) ends[last] - 3));
    CapturedLogs.clear();
    try (BudgetStore store = BudgetStores.journal(file)) {
      assertRecovered(store, last - 1, false);
    }
    List<String> lines = CapturedLogs.linesOf(LOGGER);
    assertEquals(1, lines.size(), lines.toString());
    String line = lines.get(0);
    assertTrue(line.startsWith("WARN "), line);
    assertTrue(line.contains("byte offset " + ends[last - 1]), line);
    assertFalse(line.contains(UNICODE) || line.contains("0.0625"), line);
  }

  @Test
  void zerosAfterTheLastRecord_areDroppedAsTorn() throws IOException {
    byte[] withZeros = Arrays.copyOf(journal, journal.length + 4096);
    Path file = copy("zeros", withZeros);
    try (BudgetStore store = BudgetStores.journal(file)) {
      assertRecovered(store, CHARGES.size(), false);
      assertEquals(journal.length, Files.size(file));
    }
  }

  @Test
  void moreGarbageThanOneRecordCanHold_refusesToOpen() throws IOException {
    byte[] withGarbage = Arrays.copyOf(journal, journal.length + (1 << 20) + 16);
    Path file = copy("garbage", withGarbage);
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> BudgetStores.journal(file));
    assertTrue(e.getMessage().contains("byte offset " + journal.length), e.getMessage());
    assertEquals(withGarbage.length, Files.size(file));
  }

  @Test
  void everyCutInsideTheHeader_opensAsAnEmptyJournal() throws IOException {
    for (int cut = 0; cut < HEADER.length(); cut++) {
      Path file = copy("header-" + cut, Arrays.copyOf(journal, cut));
      try (BudgetStore store = BudgetStores.journal(file)) {
        for (String ledger : LEDGERS) {
          assertEquals(0, store.spent(ledger).epsilon().signum());
        }
        store.charge(AFTER);
      }
      try (BudgetStore reopened = BudgetStores.journal(file)) {
        assertAmount("0.001", reopened.spent("a").epsilon());
        assertAmount("0.002", reopened.spent(UNICODE).epsilon());
      }
      assertEquals(HEADER, new String(Files.readAllBytes(file), 0, HEADER.length(), US_ASCII));
    }
  }

  @Test
  void fileThatIsNotAJournal_isRefused_andLeftUntouched() throws IOException {
    for (String content :
        List.of("hello", "cleanroom budget journal v2\n", "some unrelated text file\nline two\n")) {
      byte[] bytes = content.getBytes(UTF_8);
      Path file = copy("other", bytes);
      IllegalStateException e =
          assertThrows(IllegalStateException.class, () -> BudgetStores.journal(file));
      assertTrue(e.getMessage().contains("not a cleanroom budget journal"), e.getMessage());
      assertArrayEquals(bytes, Files.readAllBytes(file));
      Files.delete(file);
    }
  }

  @Test
  void missingFile_isCreated_withJustTheHeader() throws IOException {
    Path file = dir.resolve("new.journal");
    try (BudgetStore store = BudgetStores.journal(file)) {
      assertEquals(0, store.spent("a").epsilon().signum());
    }
    assertEquals(HEADER, new String(Files.readAllBytes(file), US_ASCII));
  }

  /** A charge against limits ε 10, δ 1e-6. */
  private static LedgerCharge c(String ledger, String epsilon, String delta) {
    return epsDelta(ledger, epsilon, delta, "10", "1e-6");
  }

  private Path copy(String name, byte[] bytes) throws IOException {
    Path file = dir.resolve(name + ".journal");
    Files.write(file, bytes);
    return file;
  }

  /** Asserts the totals of the first {@code records} charges, plus {@link #AFTER} if asked. */
  private static void assertRecovered(BudgetStore store, int records, boolean after) {
    Map<String, BigDecimal[]> expected = new LinkedHashMap<>();
    for (String ledger : LEDGERS) {
      expected.put(ledger, new BigDecimal[] {BigDecimal.ZERO, BigDecimal.ZERO});
    }
    List<List<LedgerCharge>> applied = new java.util.ArrayList<>(CHARGES.subList(0, records));
    if (after) {
      applied.add(AFTER);
    }
    for (List<LedgerCharge> charge : applied) {
      for (LedgerCharge c : charge) {
        BigDecimal[] total = expected.get(c.ledger());
        total[0] = total[0].add(c.epsilon());
        total[1] = total[1].add(c.delta());
      }
    }
    expected.forEach(
        (ledger, total) -> {
          LedgerCharge.Spent s = store.spent(ledger);
          assertAmount(total[0], s.epsilon());
          assertAmount(total[1], s.delta());
        });
  }
}
