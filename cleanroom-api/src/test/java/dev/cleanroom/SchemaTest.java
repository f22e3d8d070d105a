package dev.cleanroom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SchemaTest {
  @ParameterizedTest
  @ValueSource(strings = {"", "1a", "a-b", "a b", "a.b", "\u00e9t\u00e9"})
  void party_invalidName_isRejected(String name) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Party.of(name));
    assertTrue(e.getMessage().contains("party name"), e.getMessage());
  }

  @Test
  void party_validName_isAccepted() {
    assertEquals("_publisher_2", Party.of("_publisher_2").name());
    assertEquals(new Party("a"), Party.of("a"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "1a", "a-b", "a b", "a.b"})
  void column_invalidName_isRejected(String name) {
    assertThrows(IllegalArgumentException.class, () -> Column.string(name));
  }

  @Test
  void column_factories_setType() {
    assertEquals(ColumnType.STRING, Column.string("s").type());
    assertEquals(ColumnType.LONG, Column.int64("l").type());
    assertEquals(ColumnType.DOUBLE, Column.float64("d").type());
    assertFalse(ColumnType.STRING.isNumeric());
    assertTrue(ColumnType.LONG.isNumeric());
    assertTrue(ColumnType.DOUBLE.isNumeric());
  }

  @Test
  void schema_empty_isRejected() {
    assertThrows(IllegalArgumentException.class, Schema::of);
    assertThrows(IllegalArgumentException.class, () -> new Schema(List.of()));
  }

  @Test
  void schema_duplicateColumn_isRejected() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Schema.of(Column.string("a"), Column.int64("b"), Column.float64("a")));
    assertTrue(e.getMessage().contains("[a]"), e.getMessage());
  }

  @Test
  void schema_columns_areCopied() {
    List<Column> columns = new ArrayList<>(List.of(Column.string("a")));
    Schema s = new Schema(columns);
    columns.add(Column.string("b"));
    assertEquals(List.of("a"), s.names());
    assertThrows(UnsupportedOperationException.class, () -> s.columns().add(Column.string("c")));
    assertThrows(UnsupportedOperationException.class, () -> s.names().add("c"));
  }

  @Test
  void schema_lookups() {
    Schema s = Schema.of(Column.string("a"), Column.int64("b"));
    assertEquals(Optional.of(Column.int64("b")), s.column("b"));
    assertEquals(Optional.empty(), s.column("c"));
    assertEquals(0, s.indexOf("a"));
    assertEquals(1, s.indexOf("b"));
    assertEquals(-1, s.indexOf("c"));
    assertEquals(List.of("a", "b"), s.names());
  }
}
