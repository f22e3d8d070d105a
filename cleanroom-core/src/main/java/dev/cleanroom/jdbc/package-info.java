/**
 * Tables of SQL databases: {@link dev.cleanroom.jdbc.JdbcSource} (any {@code javax.sql.DataSource},
 * or one from a JDBC URL), its {@link dev.cleanroom.jdbc.SqlDialect}s, and the rendering of user-id
 * normalization in SQL. Identifiers are quoted, values bound.
 */
package dev.cleanroom.jdbc;
