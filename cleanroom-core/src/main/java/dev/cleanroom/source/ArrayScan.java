package dev.cleanroom.source;

import dev.cleanroom.Column;
import dev.cleanroom.Schema;
import dev.cleanroom.spi.ColumnBatch;
import dev.cleanroom.spi.Scan;
import dev.cleanroom.spi.ScanRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** A scan over a source whose columns are arrays in memory: batches of copied row ranges. */
final class ArrayScan implements Scan {
  /** Copies rows {@code [from, to)} of the source's column {@code column} into a new array. */
  @FunctionalInterface
  interface Slicer {
    Object slice(int column, int from, int to);
  }

  private final List<Column> columns;
  private final int[] index;
  private final int rowCount;
  private final int batchSize;
  private final Slicer slicer;
  private int next;

  private ArrayScan(List<Column> columns, int[] index, int rowCount, int batchSize, Slicer slicer) {
    this.columns = columns;
    this.index = index;
    this.rowCount = rowCount;
    this.batchSize = batchSize;
    this.slicer = slicer;
  }

  /**
   * A scan of the requested columns of a source named {@code name}.
   *
   * @throws IllegalArgumentException if a requested column is not in the schema
   */
  static Scan of(String name, Schema schema, int rowCount, ScanRequest request, Slicer slicer) {
    Objects.requireNonNull(request, "request");
    int[] index = new int[request.columns().size()];
    List<Column> cols = new ArrayList<>(index.length);
    for (int i = 0; i < index.length; i++) {
      String c = request.columns().get(i);
      index[i] = schema.indexOf(c);
      if (index[i] < 0) {
        throw new IllegalArgumentException(
            "column [" + c + "] not found in " + name + "; columns are: " + schema.names());
      }
      cols.add(schema.columns().get(index[i]));
    }
    return new ArrayScan(List.copyOf(cols), index, rowCount, request.batchSize(), slicer);
  }

  @Override
  public Optional<ColumnBatch> next() {
    if (next >= rowCount) {
      return Optional.empty();
    }
    int from = next;
    int to = (int) Math.min(rowCount, (long) from + batchSize);
    next = to;
    Object[] arrays = new Object[index.length];
    for (int i = 0; i < index.length; i++) {
      arrays[i] = slicer.slice(index[i], from, to);
    }
    return Optional.of(ColumnBatch.of(columns, to - from, arrays));
  }

  @Override
  public void close() {
    next = rowCount;
  }
}
