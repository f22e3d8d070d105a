package dev.cleanroom.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.Column;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ColumnBatchTest {
  private static final List<Column> COLUMNS =
      List.of(Column.string("s"), Column.int64("l"), Column.float64("d"));

  private static ColumnBatch batch() {
    return ColumnBatch.of(
        COLUMNS, 2, new String[] {"SECRET_a", "SECRET_b"}, new long[] {1, 2}, new double[] {3, 4});
  }

  @Test
  void of_matchingArrays_isAccepted() {
    ColumnBatch b = batch();
    assertEquals(2, b.rowCount());
    assertEquals(COLUMNS, b.columns());
    assertEquals("SECRET_b", b.strings(0)[1]);
    assertEquals(2L, b.longs(1)[1]);
    assertEquals(4.0, b.doubles(2)[1]);
  }

  @Test
  void of_arraysLongerThanRowCount_isAccepted() {
    ColumnBatch b = ColumnBatch.of(COLUMNS, 1, new String[3], new long[3], new double[] {1, 2, 3});
    assertEquals(1, b.rowCount());
  }

  @Test
  void of_zeroRows_isAccepted() {
    ColumnBatch b = ColumnBatch.of(COLUMNS, 0, new String[0], new long[0], new double[0]);
    assertEquals(0, b.rowCount());
  }

  @Test
  void of_wrongArrayType_isRejected() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ColumnBatch.of(COLUMNS, 1, new long[1], new long[1], new double[1]));
    assertTrue(e.getMessage().contains("[s]"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> ColumnBatch.of(COLUMNS, 1, new String[1], new int[1], new double[1]));
    assertThrows(
        IllegalArgumentException.class,
        () -> ColumnBatch.of(COLUMNS, 1, new String[1], new double[1], new double[1]));
    assertThrows(
        IllegalArgumentException.class,
        () -> ColumnBatch.of(COLUMNS, 1, new String[1], new long[1], new Double[1]));
    assertThrows(
        IllegalArgumentException.class,
        () -> ColumnBatch.of(COLUMNS, 1, new Object[1], new long[1], new double[1]));
  }

  @Test
  void of_shortArray_isRejected() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ColumnBatch.of(COLUMNS, 3, new String[3], new long[2], new double[3]));
    assertTrue(e.getMessage().contains("[l]"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(ints = {-1, Integer.MIN_VALUE})
  void of_negativeRowCount_isRejected(int rowCount) {
    assertThrows(
        IllegalArgumentException.class,
        () -> ColumnBatch.of(COLUMNS, rowCount, new String[0], new long[0], new double[0]));
  }

  @Test
  void of_wrongNumberOfArrays_isRejected() {
    assertThrows(
        IllegalArgumentException.class,
        () -> ColumnBatch.of(COLUMNS, 0, new String[0], new long[0]));
    assertThrows(
        IllegalArgumentException.class,
        () -> ColumnBatch.of(COLUMNS, 0, new String[0], new long[0], new double[0], new long[0]));
  }

  @Test
  void of_nullArray_isRejected() {
    assertThrows(
        NullPointerException.class,
        () -> ColumnBatch.of(COLUMNS, 0, new String[0], null, new double[0]));
  }

  @Test
  void typedAccessors_wrongType_areRejected() {
    ColumnBatch b = batch();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.longs(0));
    assertTrue(e.getMessage().contains("[s]"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> b.doubles(0));
    assertThrows(IllegalArgumentException.class, () -> b.strings(1));
    assertThrows(IllegalArgumentException.class, () -> b.doubles(1));
    assertThrows(IllegalArgumentException.class, () -> b.strings(2));
    assertThrows(IllegalArgumentException.class, () -> b.longs(2));
  }

  @Test
  void typedAccessors_outOfRange_areRejected() {
    ColumnBatch b = batch();
    assertThrows(IndexOutOfBoundsException.class, () -> b.strings(3));
    assertThrows(IndexOutOfBoundsException.class, () -> b.longs(-1));
  }

  @Test
  void arrays_areSharedButTheListsAreCopied() {
    long[] longs = {1, 2};
    List<Column> columns = new ArrayList<>(COLUMNS);
    Object[] arrays = {new String[2], longs, new double[2]};
    ColumnBatch b = ColumnBatch.of(columns, 2, arrays);
    assertSame(longs, b.longs(1));
    columns.clear();
    arrays[1] = new long[] {9, 9};
    assertEquals(COLUMNS, b.columns());
    assertSame(longs, b.longs(1));
    assertThrows(UnsupportedOperationException.class, () -> b.columns().clear());
  }

  @Test
  void toString_hidesValues() {
    String s = batch().toString();
    assertFalse(s.contains("SECRET"), s);
    assertTrue(s.contains("2 rows"), s);
  }
}
