package dev.cleanroom;

import dev.cleanroom.spi.DataSource;
import dev.cleanroom.spi.Scan;
import dev.cleanroom.spi.ScanRequest;
import java.util.concurrent.atomic.AtomicInteger;

/** A test {@link DataSource} with a fixed schema that cannot be scanned. */
final class FixedSchemaSource implements DataSource {
  private final Schema schema;
  private final AtomicInteger schemaCalls = new AtomicInteger();

  FixedSchemaSource(Schema schema) {
    this.schema = schema;
  }

  /**
   * A source with {@code user_id} STRING, {@code user_long} LONG, {@code user_double} DOUBLE,
   * {@code country} STRING, {@code device} STRING, {@code campaign} LONG, {@code revenue} DOUBLE,
   * {@code clicks} LONG and {@code email} STRING.
   */
  static FixedSchemaSource standard() {
    return new FixedSchemaSource(
        Schema.of(
            Column.string("user_id"),
            Column.int64("user_long"),
            Column.float64("user_double"),
            Column.string("country"),
            Column.string("device"),
            Column.int64("campaign"),
            Column.float64("revenue"),
            Column.int64("clicks"),
            Column.string("email")));
  }

  /** How often {@link #schema()} was called. */
  int schemaCalls() {
    return schemaCalls.get();
  }

  @Override
  public String name() {
    return "fixed";
  }

  @Override
  public Schema schema() {
    schemaCalls.incrementAndGet();
    return schema;
  }

  @Override
  public Scan scan(ScanRequest request) {
    throw new UnsupportedOperationException("a fixed-schema test source cannot be scanned");
  }
}
