package dev.cleanroom.jdbc;

import dev.cleanroom.Column;
import dev.cleanroom.ColumnType;
import java.sql.Types;

/**
 * A column of a database table as {@link JdbcSource} reads it: its schema column, its JDBC type
 * ({@link java.sql.Types}) and whether the database allows NULL in it.
 *
 * @param column the schema column, with the name exactly as the database reports it
 * @param jdbcType the {@code DATA_TYPE} of {@link java.sql.DatabaseMetaData#getColumns}
 * @param nullable false only if the database reports the column as {@code NOT NULL}
 */
record JdbcColumn(Column column, int jdbcType, boolean nullable) {
  /** The column name. */
  String name() {
    return column.name();
  }

  /** The column type. */
  ColumnType type() {
    return column.type();
  }

  /**
   * The column type for a JDBC type, or null if the type is not supported: text types are STRING,
   * integer types LONG, floating-point and decimal types DOUBLE, DATE is DATE, TIMESTAMP with or
   * without time zone is TIMESTAMP (one without is read in UTC), BOOLEAN and BIT are BOOLEAN.
   */
  static ColumnType typeOf(int jdbcType) {
    return switch (jdbcType) {
      case Types.CHAR,
          Types.VARCHAR,
          Types.LONGVARCHAR,
          Types.NCHAR,
          Types.NVARCHAR,
          Types.LONGNVARCHAR,
          Types.CLOB,
          Types.NCLOB ->
          ColumnType.STRING;
      case Types.TINYINT, Types.SMALLINT, Types.INTEGER, Types.BIGINT -> ColumnType.LONG;
      case Types.REAL, Types.FLOAT, Types.DOUBLE, Types.DECIMAL, Types.NUMERIC -> ColumnType.DOUBLE;
      case Types.DATE -> ColumnType.DATE;
      case Types.TIMESTAMP, Types.TIMESTAMP_WITH_TIMEZONE -> ColumnType.TIMESTAMP;
      case Types.BOOLEAN, Types.BIT -> ColumnType.BOOLEAN;
      default -> null;
    };
  }

  /**
   * Whether the column holds variable-length text compared without padding or LOB restrictions:
   * VARCHAR-like, not CHAR (whose values some databases compare with trailing blanks ignored) and
   * not CLOB (which some databases cannot compare).
   */
  boolean isVaryingText() {
    return jdbcType == Types.VARCHAR
        || jdbcType == Types.NVARCHAR
        || jdbcType == Types.LONGVARCHAR
        || jdbcType == Types.LONGNVARCHAR;
  }
}
