package dev.cleanroom.source;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.testing.NullPointerTester;
import dev.cleanroom.Column;
import dev.cleanroom.ColumnType;
import dev.cleanroom.Schema;
import dev.cleanroom.spi.ColumnBatch;
import dev.cleanroom.spi.Scan;
import dev.cleanroom.spi.ScanRequest;
import dev.cleanroom.spi.SourceCapabilities;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class InMemorySourceTest {
  /** Every supported component type. */
  public record AllTypes(
      String s, long l, int i, Long bl, Integer bi, double d, float f, Double bd, Float bf) {}

  /** A record with an unsupported component. */
  public record WithDate(String id, java.util.UUID day) {}

  /** A small sale. */
  public record Sale(String customer, String region, long items, double amount) {}

  private static final Schema SCHEMA =
      Schema.of(Column.string("name"), Column.int64("n"), Column.float64("x"));

  /** All rows of a full scan of {@code columns}, as lists of boxed values. */
  private static List<List<Object>> scanAll(InMemorySource s, List<String> columns, int batch) {
    List<List<Object>> rows = new ArrayList<>();
    try (Scan scan = s.scan(new ScanRequest(columns, Set.of(), List.of(), batch))) {
      for (Optional<ColumnBatch> b = scan.next(); b.isPresent(); b = scan.next()) {
        rows.addAll(rowsOf(b.get()));
      }
    }
    return rows;
  }

  private static List<List<Object>> rowsOf(ColumnBatch b) {
    List<List<Object>> rows = new ArrayList<>();
    for (int r = 0; r < b.rowCount(); r++) {
      List<Object> row = new ArrayList<>();
      for (int c = 0; c < b.columns().size(); c++) {
        row.add(
            switch (b.columns().get(c).type()) {
              case STRING -> b.strings(c)[r];
              case LONG, DATE, TIMESTAMP, BOOLEAN -> b.longs(c)[r];
              case DOUBLE -> b.doubles(c)[r];
            });
      }
      rows.add(row);
    }
    return rows;
  }

  // ---- ofRecords ----

  @Test
  void ofRecords_derivesTheSchemaFromTheComponents() {
    InMemorySource s =
        InMemorySource.ofRecords(
            "all", AllTypes.class, List.of(new AllTypes("a", 1L, 2, 3L, 4, 5.5, 6.5f, 7.5, 8.5f)));
    assertEquals(
        Schema.of(
            Column.string("s"),
            Column.int64("l"),
            Column.int64("i"),
            Column.int64("bl"),
            Column.int64("bi"),
            Column.float64("d"),
            Column.float64("f"),
            Column.float64("bd"),
            Column.float64("bf")),
        s.schema());
    assertEquals(1, s.rowCount());
    assertEquals(
        List.of(List.<Object>of("a", 1L, 2L, 3L, 4L, 5.5, 6.5, 7.5, 8.5)),
        scanAll(s, s.schema().names(), 10));
  }

  @Test
  void ofRecords_keepsTheRowsInOrder() {
    List<Sale> sales = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      sales.add(new Sale("c" + i, i % 2 == 0 ? "north" : "south", i, i * 1.5));
    }
    InMemorySource s = InMemorySource.ofRecords("sales", Sale.class, sales);
    List<List<Object>> rows = scanAll(s, List.of("customer", "items", "amount"), 7);
    assertEquals(50, rows.size());
    for (int i = 0; i < 50; i++) {
      assertEquals(List.of("c" + i, (long) i, i * 1.5), rows.get(i));
    }
  }

  @Test
  void ofRecords_empty_hasTheSchemaAndNoRows() {
    InMemorySource s = InMemorySource.ofRecords("none", Sale.class, List.of());
    assertEquals(4, s.schema().columns().size());
    assertEquals(0, s.rowCount());
    assertTrue(scanAll(s, List.of("customer"), 10).isEmpty());
  }

  @Test
  void ofRecords_unsupportedComponentType_isRejected() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                InMemorySource.ofRecords(
                    "dates", WithDate.class, List.of(new WithDate("a", new java.util.UUID(1, 2)))));
    assertTrue(e.getMessage().contains("[day]"), e.getMessage());
    assertTrue(e.getMessage().contains("UUID"), e.getMessage());
  }

  @Test
  void ofRecords_nullComponent_isRejected_withoutValues() {
    List<Sale> sales =
        List.of(new Sale("SECRET-CUSTOMER", "north", 1, 1.0), new Sale("b", null, 2, 2.0));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> InMemorySource.ofRecords("s", Sale.class, sales));
    assertTrue(e.getMessage().contains("row 1"), e.getMessage());
    assertTrue(e.getMessage().contains("[region]"), e.getMessage());
    assertFalse(e.getMessage().contains("SECRET"), e.getMessage());
  }

  @Test
  void ofRecords_nullRecord_isRejected() {
    List<Sale> sales = new ArrayList<>();
    sales.add(null);
    assertThrows(
        NullPointerException.class, () -> InMemorySource.ofRecords("s", Sale.class, sales));
  }

  // ---- ofMaps ----

  @Test
  void ofMaps_readsEverySchemaColumn_andIgnoresOtherKeys() {
    Map<String, Object> row = new HashMap<>();
    row.put("name", "a");
    row.put("n", 3);
    row.put("x", 2.5f);
    row.put("ignored", new Object());
    InMemorySource s =
        InMemorySource.ofMaps("maps", SCHEMA, List.of(row, Map.of("name", "b", "n", 4L, "x", 1)));
    assertEquals(SCHEMA, s.schema());
    assertEquals(
        List.of(List.<Object>of("a", 3L, 2.5), List.<Object>of("b", 4L, 1.0)),
        scanAll(s, SCHEMA.names(), 10));
  }

  @Test
  void ofMaps_missingColumn_isRejected() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> InMemorySource.ofMaps("maps", SCHEMA, List.of(Map.of("name", "a", "n", 1L))));
    assertTrue(e.getMessage().contains("[x]"), e.getMessage());
    assertTrue(e.getMessage().contains("row 0"), e.getMessage());
  }

  @Test
  void ofMaps_wrongType_isRejected_withoutTheValue() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                InMemorySource.ofMaps(
                    "maps",
                    SCHEMA,
                    List.of(
                        Map.of("name", "a", "n", 1L, "x", 1.0),
                        Map.of("name", "b", "n", "SECRET-987", "x", 1.0))));
    assertTrue(e.getMessage().contains("row 1"), e.getMessage());
    assertTrue(e.getMessage().contains("[n]"), e.getMessage());
    assertFalse(e.getMessage().contains("987"), e.getMessage());
  }

  // ---- builder ----

  @Test
  void builder_acceptsWholeNumbersForLong_andAnyNumberForDouble() {
    InMemorySource s =
        InMemorySource.builder("b", SCHEMA)
            .addRow("a", 1, 1)
            .addRow("b", (short) 2, 2.5f)
            .addRow("c", (byte) 3, new BigDecimal("3.25"))
            .addRow("d", 4L, Double.NaN)
            .build();
    List<List<Object>> rows = scanAll(s, SCHEMA.names(), 2);
    assertEquals(List.of("a", 1L, 1.0), rows.get(0));
    assertEquals(List.of("b", 2L, 2.5), rows.get(1));
    assertEquals(List.of("c", 3L, 3.25), rows.get(2));
    assertEquals("d", rows.get(3).get(0));
    assertTrue(Double.isNaN((Double) rows.get(3).get(2)));
  }

  @Test
  void builder_typeErrors_nameRowAndColumn_butNoValue() {
    List<Object[]> bad =
        List.of(
            new Object[] {12345, 1L, 1.0}, // STRING given a number
            new Object[] {"SECRET-A", "SECRET-B", 1.0}, // LONG given a String
            new Object[] {"SECRET-A", 123.456, 1.0}, // LONG given a fraction
            new Object[] {"SECRET-A", 1L, "SECRET-C"}, // DOUBLE given a String
            new Object[] {"SECRET-A", null, 1.0}, // null
            new Object[] {"SECRET-A", 1L, null}); // null DOUBLE
    List<String> columns = List.of("[name]", "[n]", "[n]", "[x]", "[n]", "[x]");
    for (int i = 0; i < bad.size(); i++) {
      InMemorySource.Builder b = InMemorySource.builder("src", SCHEMA).addRow("ok", 1L, 1.0);
      Object[] row = bad.get(i);
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> b.addRow(row));
      String m = e.getMessage();
      assertTrue(m.contains("row 1"), m);
      assertTrue(m.contains("src"), m);
      assertTrue(m.contains(columns.get(i)), m);
      assertFalse(m.contains("SECRET"), m);
      assertFalse(m.contains("12345"), m);
      assertFalse(m.contains("123.456"), m);
      // the failed row is not added
      assertEquals(1, b.build().rowCount());
    }
  }

  @Test
  void builder_wrongRowLength_isRejected() {
    InMemorySource.Builder b = InMemorySource.builder("src", SCHEMA);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> b.addRow("SECRET", 1L));
    assertTrue(e.getMessage().contains("2 values, expected 3"), e.getMessage());
    assertFalse(e.getMessage().contains("SECRET"), e.getMessage());
  }

  @Test
  void builder_growsPastItsInitialCapacity() {
    InMemorySource.Builder b = InMemorySource.builder("big", SCHEMA);
    for (int i = 0; i < 1000; i++) {
      b.addRow("r" + i, (long) i, i / 2.0);
    }
    InMemorySource s = b.build();
    assertEquals(1000, s.rowCount());
    List<List<Object>> rows = scanAll(s, SCHEMA.names(), 64);
    for (int i = 0; i < 1000; i++) {
      assertEquals(List.of("r" + i, (long) i, i / 2.0), rows.get(i));
    }
  }

  @Test
  void builder_afterBuild_doesNotChangeTheBuiltSource() {
    InMemorySource.Builder b = InMemorySource.builder("src", SCHEMA).addRow("a", 1L, 1.0);
    InMemorySource first = b.build();
    b.addRow("b", 2L, 2.0);
    InMemorySource second = b.build();
    assertEquals(1, first.rowCount());
    assertEquals(2, second.rowCount());
    assertEquals(List.of(List.<Object>of("a", 1L, 1.0)), scanAll(first, SCHEMA.names(), 10));
  }

  // ---- scans ----

  private static InMemorySource tenRows() {
    InMemorySource.Builder b = InMemorySource.builder("ten", SCHEMA);
    for (int i = 0; i < 10; i++) {
      b.addRow("r" + i, (long) i, i * 0.5);
    }
    return b.build();
  }

  @Test
  void scan_returnsBatchesOfTheRequestedSize_thenEmpty() {
    InMemorySource s = tenRows();
    List<Integer> sizes = new ArrayList<>();
    try (Scan scan = s.scan(new ScanRequest(SCHEMA.names(), Set.of(), List.of(), 3))) {
      for (Optional<ColumnBatch> b = scan.next(); b.isPresent(); b = scan.next()) {
        sizes.add(b.get().rowCount());
      }
      assertEquals(Optional.empty(), scan.next());
    }
    assertEquals(List.of(3, 3, 3, 1), sizes);
  }

  @Test
  void scan_projectsTheRequestedColumns_inTheRequestedOrder() {
    InMemorySource s = tenRows();
    try (Scan scan = s.scan(ScanRequest.of(List.of("x", "name")))) {
      ColumnBatch b = scan.next().orElseThrow();
      assertEquals(List.of(Column.float64("x"), Column.string("name")), b.columns());
      assertEquals(10, b.rowCount());
      assertEquals("r4", b.strings(1)[4]);
      assertEquals(2.0, b.doubles(0)[4]);
      assertEquals(Optional.empty(), scan.next());
    }
  }

  @Test
  void scan_ofUnknownColumn_isRejected_listingTheColumns() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> tenRows().scan(ScanRequest.of(List.of("nope"))));
    assertTrue(e.getMessage().contains("[nope]"), e.getMessage());
    assertTrue(e.getMessage().contains(SCHEMA.names().toString()), e.getMessage());
  }

  @Test
  void scan_afterClose_isEmpty() {
    Scan scan = tenRows().scan(new ScanRequest(List.of("n"), Set.of(), List.of(), 4));
    assertTrue(scan.next().isPresent());
    scan.close();
    scan.close();
    assertEquals(Optional.empty(), scan.next());
  }

  @Test
  void scan_ofEmptySource_isEmpty() {
    InMemorySource s = InMemorySource.builder("empty", SCHEMA).build();
    assertEquals(0, s.rowCount());
    try (Scan scan = s.scan(ScanRequest.of(List.of("name")))) {
      assertEquals(Optional.empty(), scan.next());
    }
  }

  @Test
  void changingABatch_doesNotChangeTheSource() {
    InMemorySource s = tenRows();
    try (Scan scan = s.scan(ScanRequest.of(SCHEMA.names()))) {
      ColumnBatch b = scan.next().orElseThrow();
      b.strings(0)[0] = "changed";
      b.longs(1)[0] = -1;
      b.doubles(2)[0] = -1;
    }
    assertEquals(List.of("r0", 0L, 0.0), scanAll(s, SCHEMA.names(), 10).get(0));
  }

  @Test
  void concurrentScans_areIndependent() throws Exception {
    InMemorySource s = tenRows();
    List<List<Object>> expected = scanAll(s, SCHEMA.names(), 10);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<List<List<Object>>>> futures = new ArrayList<>();
      for (int t = 0; t < 16; t++) {
        int batch = 1 + t % 4;
        futures.add(pool.submit(() -> scanAll(s, SCHEMA.names(), batch)));
      }
      for (Future<List<List<Object>>> fut : futures) {
        assertEquals(expected, fut.get());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void describes_itself_withoutValues() {
    InMemorySource s =
        InMemorySource.builder("named", SCHEMA).addRow("SECRET-ROW", 424242L, 1.0).build();
    assertEquals("named", s.name());
    assertEquals(SourceCapabilities.RESIDENT, s.capabilities());
    assertFalse(s.toString().contains("SECRET"), s.toString());
    assertFalse(s.toString().contains("424242"), s.toString());
    assertTrue(s.toString().contains("named"), s.toString());
  }

  @Test
  void schemaColumnTypes_matchTheBatchArrays() {
    InMemorySource s = tenRows();
    try (Scan scan = s.scan(ScanRequest.of(SCHEMA.names()))) {
      ColumnBatch b = scan.next().orElseThrow();
      assertEquals(ColumnType.STRING, b.columns().get(0).type());
      assertArrayEquals(
          new long[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, java.util.Arrays.copyOf(b.longs(1), 10));
    }
  }

  @Test
  void nullArguments_areRejected() {
    NullPointerTester t =
        new NullPointerTester()
            .setDefault(Schema.class, SCHEMA)
            .setDefault(Class.class, Sale.class)
            .setDefault(ScanRequest.class, ScanRequest.of(List.of("name")));
    t.testAllPublicStaticMethods(InMemorySource.class);
    t.testAllPublicInstanceMethods(tenRows());
  }

  /** A record that is not public, as records in application code often are. */
  record Hidden(String a, long b) {}

  @Test
  void ofRecords_ofNonPublicRecord_isRead() {
    InMemorySource s =
        InMemorySource.ofRecords("hidden", Hidden.class, List.of(new Hidden("a", 1)));
    assertEquals(List.of(List.<Object>of("a", 1L)), scanAll(s, List.of("a", "b"), 10));
  }
}
