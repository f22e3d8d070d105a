package dev.cleanroom.internal.room;

import dev.cleanroom.Schema;
import dev.cleanroom.spi.DataSource;
import dev.cleanroom.spi.Scan;
import dev.cleanroom.spi.ScanRequest;
import dev.cleanroom.spi.SourceCapabilities;
import java.util.concurrent.atomic.AtomicInteger;

/** A {@link DataSource} that delegates to another and counts the calls of {@link #scan}. */
final class CountingSource implements DataSource {
  private final DataSource delegate;
  private final AtomicInteger scans = new AtomicInteger();

  CountingSource(DataSource delegate) {
    this.delegate = delegate;
  }

  /** How often {@link #scan} was called. */
  int scans() {
    return scans.get();
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
  public SourceCapabilities capabilities() {
    return delegate.capabilities();
  }

  @Override
  public Scan scan(ScanRequest request) {
    scans.incrementAndGet();
    return delegate.scan(request);
  }
}
