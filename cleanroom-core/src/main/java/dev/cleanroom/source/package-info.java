/**
 * Built-in data sources: {@link dev.cleanroom.source.InMemorySource} (Java collections and
 * records), {@link dev.cleanroom.source.ColumnarSource} (rows loaded once into columns) and {@link
 * dev.cleanroom.source.CsvSource} (a streaming RFC 4180 reader).
 */
package dev.cleanroom.source;
