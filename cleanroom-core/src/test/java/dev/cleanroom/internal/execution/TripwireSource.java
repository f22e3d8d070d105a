package dev.cleanroom.internal.execution;

import dev.cleanroom.Schema;
import dev.cleanroom.spi.ColumnBatch;
import dev.cleanroom.spi.DataSource;
import dev.cleanroom.spi.Scan;
import dev.cleanroom.spi.ScanRequest;
import dev.cleanroom.spi.SourceCapabilities;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A source that delegates to another, counts the rows its scans hand out, and runs a trip once,
 * inside the scan, when the count first reaches a threshold (for example: cancel the query's
 * control). It remembers how many rows were handed out when it tripped, so that a test can tell how
 * many more the engine asked for afterwards. Resident (columnar path) or plain (streamed path).
 */
final class TripwireSource implements DataSource {
  private final DataSource delegate;
  private final boolean resident;
  private final long threshold;
  private final Runnable trip;
  private final AtomicLong handedOut = new AtomicLong();
  private final AtomicBoolean tripped = new AtomicBoolean();
  private volatile long atTrip = -1;

  TripwireSource(DataSource delegate, boolean resident, long threshold, Runnable trip) {
    this.delegate = delegate;
    this.resident = resident;
    this.threshold = threshold;
    this.trip = trip;
  }

  /** Rows handed out by every scan so far. */
  long handedOut() {
    return handedOut.get();
  }

  /** Whether the trip ran. */
  boolean tripped() {
    return tripped.get();
  }

  /** Rows handed out after the trip ran (the batch that tripped it counts as before). */
  long handedOutAfterTrip() {
    if (atTrip < 0) {
      throw new AssertionError("the source did not trip");
    }
    return handedOut.get() - atTrip;
  }

  @Override
  public String name() {
    return delegate.name();
  }

  @Override
  public Schema schema() {
    return delegate.schema();
  }

  @Override
  public Optional<String> version() {
    return delegate.version();
  }

  @Override
  public OptionalLong estimatedRows() {
    return delegate.estimatedRows();
  }

  @Override
  public SourceCapabilities capabilities() {
    return resident ? delegate.capabilities() : SourceCapabilities.NONE;
  }

  @Override
  public Scan scan(ScanRequest request) {
    Scan scan = delegate.scan(request);
    return new Scan() {
      @Override
      public Optional<ColumnBatch> next() {
        Optional<ColumnBatch> batch = scan.next();
        if (batch.isPresent()) {
          long total = handedOut.addAndGet(batch.get().rowCount());
          if (total >= threshold && tripped.compareAndSet(false, true)) {
            atTrip = total;
            trip.run();
          }
        }
        return batch;
      }

      @Override
      public void close() {
        scan.close();
      }
    };
  }
}
