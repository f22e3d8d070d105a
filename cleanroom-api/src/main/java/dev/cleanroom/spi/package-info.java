/**
 * What a host application plugs in: {@link dev.cleanroom.spi.DataSource} adapters (scans in column
 * batches, {@link dev.cleanroom.spi.SourceCapabilities} for the faster paths, {@link
 * dev.cleanroom.spi.SqlTable} for tables of a SQL database), {@link dev.cleanroom.spi.AuditSink}
 * and {@link dev.cleanroom.spi.AuditTrail}, {@link dev.cleanroom.spi.BudgetStore}, and the sinks of
 * results and cohorts. Implementations never put data values into messages or logs.
 */
package dev.cleanroom.spi;
