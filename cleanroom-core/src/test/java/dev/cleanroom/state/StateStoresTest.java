package dev.cleanroom.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cleanroom.spi.StateRecord;
import dev.cleanroom.spi.StateStore;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateStoresTest {
  private static final StateRecord A = new StateRecord("template", "t1:abc");
  private static final StateRecord B = new StateRecord("answer", "a b c");

  @Test
  void journal_keepsRecordsAcrossReopen_inOrder(@TempDir Path dir) {
    Path file = dir.resolve("state.journal");
    try (StateStore s = StateStores.journal(file)) {
      s.append(A);
      s.append(B);
      assertEquals(List.of(A, B), s.records());
    }
    try (StateStore s = StateStores.journal(file)) {
      assertEquals(List.of(A, B), s.records());
      s.append(A);
    }
    try (StateStore s = StateStores.journal(file)) {
      assertEquals(List.of(A, B, A), s.records());
    }
  }

  @Test
  void journal_isLockedWhileOpen_andRefusesUseAfterClose(@TempDir Path dir) {
    Path file = dir.resolve("state.journal");
    StateStore s = StateStores.journal(file);
    assertThrows(IllegalStateException.class, () -> StateStores.journal(file));
    s.close();
    assertThrows(IllegalStateException.class, () -> s.append(A));
    StateStores.journal(file).close();
  }

  @Test
  void journal_dropsATornLastRecord(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("state.journal");
    try (StateStore s = StateStores.journal(file)) {
      s.append(A);
      s.append(B);
    }
    try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) {
      c.truncate(Files.size(file) - 2);
    }
    try (StateStore s = StateStores.journal(file)) {
      assertEquals(List.of(A), s.records());
    }
  }

  @Test
  void journal_refusesAFileOfAnotherKind(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("budget.journal");
    Files.writeString(file, "cleanroom budget journal v1\n");
    assertThrows(IllegalStateException.class, () -> StateStores.journal(file));
  }

  @Test
  void inMemory_keepsRecordsUntilClosed() {
    StateStore s = StateStores.inMemory();
    s.append(A);
    assertEquals(List.of(A), s.records());
    s.close();
    assertThrows(IllegalStateException.class, () -> s.append(B));
  }

  @Test
  void records_arePrintableAsciiWithAPlainKind() {
    assertThrows(IllegalArgumentException.class, () -> new StateRecord("a b", "x"));
    assertThrows(IllegalArgumentException.class, () -> new StateRecord("", "x"));
    assertThrows(IllegalArgumentException.class, () -> new StateRecord("k", "line\nbreak"));
    assertThrows(IllegalArgumentException.class, () -> new StateRecord("k", "é"));
    assertEquals("x y", new StateRecord("k-1", "x y").body());
  }
}
