package dev.cleanroom.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.Column;
import dev.cleanroom.QueryCancelledException;
import dev.cleanroom.Schema;
import dev.cleanroom.query.Progress;
import dev.cleanroom.query.QueryControl;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loading a CSV file into a {@link ColumnarSource} with a progress listener or a control: the rows
 * read grow to the file's rows, the phases go from SCANNING to DONE, a cancellation stops the load,
 * and a listener that throws does not.
 */
class ColumnarSourceProgressTest {
  private static final Schema SCHEMA =
      Schema.of(Column.string("id"), Column.int64("n"), Column.float64("x"));
  private static final int ROWS = 60_000;

  /** A file of {@code ROWS} rows, about 1.3 MB: several ranges for the parallel reader. */
  private static Path file(Path dir, boolean quoted) throws IOException {
    StringBuilder sb = new StringBuilder("id,n,x\n");
    for (int i = 0; i < ROWS; i++) {
      String id = quoted && i == 7 ? "\"u" + i + "\"" : "u" + i;
      sb.append(id).append(',').append(i % 97).append(',').append(i * 0.5).append('\n');
    }
    Path f = dir.resolve(quoted ? "quoted.csv" : "plain.csv");
    Files.write(f, sb.toString().getBytes(StandardCharsets.UTF_8));
    return f;
  }

  private static List<Progress.Phase> phases(List<Progress> seen) {
    List<Progress.Phase> out = new ArrayList<>();
    for (Progress p : seen) {
      if (out.isEmpty() || out.get(out.size() - 1) != p.phase()) {
        out.add(p.phase());
      }
    }
    return out;
  }

  private static void assertLoadedWithProgress(ColumnarSource s, List<Progress> seen) {
    assertEquals(ROWS, s.rowCount());
    assertEquals(List.of(Progress.Phase.SCANNING, Progress.Phase.DONE), phases(seen));
    for (int i = 1; i < seen.size(); i++) {
      assertTrue(seen.get(i).rowsRead() >= seen.get(i - 1).rowsRead(), seen.toString());
    }
    assertEquals(new Progress(Progress.Phase.DONE, ROWS), seen.get(seen.size() - 1));
    assertTrue(seen.size() > 3, "rows were reported once at the end only: " + seen);
  }

  @Test
  void listener_seesRowsGrowToTheFilesRows_thenDone(@TempDir Path dir) throws IOException {
    List<Progress> seen = new CopyOnWriteArrayList<>();
    ColumnarSource s = ColumnarSource.readCsv("plain", file(dir, false), SCHEMA, seen::add);
    assertLoadedWithProgress(s, seen);
  }

  @Test
  void sequentialReader_ofAQuotedFile_reportsToo(@TempDir Path dir) throws IOException {
    List<Progress> seen = new CopyOnWriteArrayList<>();
    ColumnarSource s = ColumnarSource.readCsv("quoted", file(dir, true), SCHEMA, seen::add);
    assertLoadedWithProgress(s, seen);
  }

  @Test
  void cancel_duringTheLoad_stopsIt(@TempDir Path dir) throws IOException {
    Path f = file(dir, false);
    QueryControl[] holder = new QueryControl[1];
    holder[0] =
        QueryControl.create(
            p -> {
              if (p.rowsRead() > 0) {
                holder[0].cancel(); // after the first range
              }
            });

    QueryCancelledException e =
        assertThrows(
            QueryCancelledException.class,
            () -> ColumnarSource.readCsv("plain", f, SCHEMA, holder[0]));

    assertFalse(e.timedOut());
    assertEquals(Progress.Phase.FAILED, holder[0].progress().phase());
  }

  @Test
  void cancel_beforeTheLoad_readsNothing(@TempDir Path dir) throws IOException {
    QueryControl control = QueryControl.create();
    control.cancel();
    Path f = file(dir, false);

    assertThrows(
        QueryCancelledException.class, () -> ColumnarSource.readCsv("plain", f, SCHEMA, control));
    assertEquals(new Progress(Progress.Phase.FAILED, 0), control.progress());
  }

  @Test
  void throwingListener_doesNotStopTheLoad(@TempDir Path dir) throws IOException {
    QueryControl control =
        QueryControl.create(
            p -> {
              throw new IllegalStateException("listener failed");
            });
    ColumnarSource s = ColumnarSource.readCsv("plain", file(dir, false), SCHEMA, control);
    assertEquals(ROWS, s.rowCount());
    assertEquals(new Progress(Progress.Phase.DONE, ROWS), control.progress());
  }

  @Test
  void aControl_servesOneLoad(@TempDir Path dir) throws IOException {
    Path f = file(dir, false);
    QueryControl control = QueryControl.create();
    ColumnarSource.readCsv("plain", f, SCHEMA, control);
    assertThrows(
        IllegalArgumentException.class, () -> ColumnarSource.readCsv("plain", f, SCHEMA, control));
  }
}
