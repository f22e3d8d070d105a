package dev.cleanroom.jdbc;

import dev.cleanroom.Column;
import dev.cleanroom.ColumnType;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Finds a table in {@link DatabaseMetaData} and reads its columns. */
final class JdbcTables {
  private static final Logger logger = LoggerFactory.getLogger(JdbcSource.class);

  /** The most table names listed in the message for a table that is not found. */
  private static final int MAX_LISTED_TABLES = 50;

  private JdbcTables() {}

  /**
   * A table as the database reports it.
   *
   * @param catalog its catalog (database, project), or null if the database reports none
   * @param schema its schema, or null if the database has no schemas
   * @param name its name
   * @param columns its columns of supported types with valid names, in table order
   * @param skipped how many columns were left out
   */
  record Table(String catalog, String schema, String name, List<JdbcColumn> columns, int skipped) {}

  /** One row of {@link DatabaseMetaData#getColumns}. */
  private record MetaColumn(
      String catalog,
      String schema,
      String table,
      String name,
      int jdbcType,
      String typeName,
      String nullable,
      int position) {}

  /**
   * Reads the columns of table {@code table} in schema {@code schema} (null for any schema) of
   * catalog {@code catalog} (null for any catalog). The names are tried as given, then upper-case,
   * then lower-case, as databases fold unquoted names either way. Without a schema, a table found
   * in several schemas is taken from the connection's current catalog and schema.
   *
   * @throws IllegalArgumentException if the table is not found or is ambiguous
   */
  static Table read(Connection connection, String catalog, String schema, String table)
      throws SQLException {
    DatabaseMetaData md = connection.getMetaData();
    String escape = md.getSearchStringEscape();
    List<MetaColumn> found = List.of();
    search:
    for (String s : schema == null ? Collections.<String>singletonList(null) : variants(schema)) {
      for (String t : variants(table)) {
        found = columns(md, escape, catalog, s, t, connection);
        if (!found.isEmpty()) {
          break search;
        }
      }
    }
    if (found.isEmpty()) {
      // Last resort for databases that match names ignoring case (DuckDB keeps "Orders" as
      // written): the one table whose name equals the given one ignoring case.
      for (String s : schema == null ? Collections.<String>singletonList(null) : variants(schema)) {
        Set<String> names = new LinkedHashSet<>();
        for (String name : tableNames(md, escape, catalog, s, Integer.MAX_VALUE)) {
          if (name.equalsIgnoreCase(table)) {
            names.add(name);
          }
        }
        if (names.size() == 1) {
          found = columns(md, escape, catalog, s, names.iterator().next(), connection);
          break;
        }
      }
    }
    if (found.isEmpty()) {
      throw notFound(connection, md, escape, catalog, schema, table);
    }
    MetaColumn first = found.get(0);
    List<JdbcColumn> columns = new ArrayList<>();
    for (MetaColumn m : found) {
      JdbcColumn c = column(first.table(), m);
      if (c != null) {
        columns.add(c);
      }
    }
    return new Table(
        first.catalog(), first.schema(), first.table(), columns, found.size() - columns.size());
  }

  /**
   * The columns of table {@code t} (exact name) in schema {@code s} (exact name, or null for the
   * one schema holding it, preferring the connection's current schema) of catalog {@code cat}
   * (exact name, or null for any), in table order.
   */
  private static List<MetaColumn> columns(
      DatabaseMetaData md, String escape, String cat, String s, String t, Connection connection)
      throws SQLException {
    Map<List<String>, List<MetaColumn>> byTable = new LinkedHashMap<>();
    try (ResultSet rs =
        md.getColumns(cat, s == null ? null : pattern(s, escape), pattern(t, escape), "%")) {
      while (rs.next()) {
        MetaColumn m =
            new MetaColumn(
                rs.getString("TABLE_CAT"),
                rs.getString("TABLE_SCHEM"),
                rs.getString("TABLE_NAME"),
                rs.getString("COLUMN_NAME"),
                rs.getInt("DATA_TYPE"),
                rs.getString("TYPE_NAME"),
                rs.getString("IS_NULLABLE"),
                rs.getInt("ORDINAL_POSITION"));
        // The name patterns are LIKE patterns, so check the names exactly.
        if (t.equals(m.table())
            && (s == null || s.equals(m.schema()))
            && (cat == null || m.catalog() == null || cat.equals(m.catalog()))) {
          byTable
              .computeIfAbsent(Arrays.asList(m.catalog(), m.schema()), k -> new ArrayList<>())
              .add(m);
        }
      }
    }
    List<MetaColumn> chosen;
    if (byTable.size() <= 1) {
      chosen = byTable.isEmpty() ? List.of() : byTable.values().iterator().next();
    } else {
      chosen = current(byTable, connection);
      if (chosen == null) {
        List<String> schemas = new ArrayList<>();
        byTable.keySet().forEach(k -> schemas.add(k.get(0) + "." + k.get(1)));
        throw new IllegalArgumentException(
            "table ["
                + t
                + "] exists in several schemas "
                + schemas
                + "; choose one with JdbcSource.Builder.schema (and catalog)");
      }
    }
    List<MetaColumn> sorted = new ArrayList<>(chosen);
    sorted.sort(Comparator.comparingInt(MetaColumn::position));
    return sorted;
  }

  /** The columns of the table in the connection's current catalog and schema, or null. */
  private static List<MetaColumn> current(
      Map<List<String>, List<MetaColumn>> byTable, Connection connection) throws SQLException {
    String catalog = connection.getCatalog();
    String schema = connection.getSchema();
    List<MetaColumn> inSchema = null;
    int schemaMatches = 0;
    for (Map.Entry<List<String>, List<MetaColumn>> e : byTable.entrySet()) {
      if (Objects.equals(e.getKey().get(1), schema)) {
        if (Objects.equals(e.getKey().get(0), catalog)) {
          return e.getValue();
        }
        inSchema = e.getValue();
        schemaMatches++;
      }
    }
    return schemaMatches == 1 ? inSchema : null;
  }

  /** The schema column for {@code m}, or null (with a DEBUG log) if it is left out. */
  private static JdbcColumn column(String table, MetaColumn m) {
    ColumnType type = JdbcColumn.typeOf(m.jdbcType());
    if (type == null) {
      logger.debug(
          "table [{}]: column [{}] of type {} is left out: the type is not supported",
          table,
          m.name(),
          m.typeName());
      return null;
    }
    Column column;
    try {
      column = new Column(m.name(), type);
    } catch (IllegalArgumentException e) {
      logger.debug(
          "table [{}]: column [{}] is left out: a column name must start with a letter or"
              + " underscore and contain only letters, digits and underscores",
          table,
          m.name());
      return null;
    }
    return new JdbcColumn(column, m.jdbcType(), !"NO".equals(m.nullable()));
  }

  private static IllegalArgumentException notFound(
      Connection connection,
      DatabaseMetaData md,
      String escape,
      String catalog,
      String schema,
      String table)
      throws SQLException {
    String where = schema != null ? schema : connection.getSchema();
    List<String> tables = List.of();
    for (String s : where == null ? Collections.<String>singletonList(null) : variants(where)) {
      tables = tableNames(md, escape, catalog, s, MAX_LISTED_TABLES + 1);
      if (!tables.isEmpty()) {
        break;
      }
    }
    boolean more = tables.size() > MAX_LISTED_TABLES;
    return new IllegalArgumentException(
        "table ["
            + table
            + "] not found"
            + (catalog == null ? "" : " in catalog [" + catalog + "]")
            + (schema == null ? "" : " in schema [" + schema + "]")
            + "; the tables"
            + (where == null ? "" : " in schema [" + where + "]")
            + " are: "
            + (more ? tables.subList(0, MAX_LISTED_TABLES) + " and more" : tables));
  }

  /**
   * The names of at most {@code limit} tables and views in schema {@code s} (exact name, or null
   * for every schema) of catalog {@code cat} (exact name, or null for any).
   */
  private static List<String> tableNames(
      DatabaseMetaData md, String escape, String cat, String s, int limit) throws SQLException {
    Set<String> names = new LinkedHashSet<>();
    try (ResultSet rs = md.getTables(cat, s == null ? null : pattern(s, escape), "%", null)) {
      while (rs.next() && names.size() < limit) {
        if (s == null || s.equals(rs.getString("TABLE_SCHEM"))) {
          names.add(rs.getString("TABLE_NAME"));
        }
      }
    }
    return List.copyOf(names);
  }

  /** {@code name}, then its upper-case and lower-case forms, without repeats. */
  private static List<String> variants(String name) {
    Set<String> v = new LinkedHashSet<>();
    v.add(name);
    v.add(name.toUpperCase(Locale.ROOT));
    v.add(name.toLowerCase(Locale.ROOT));
    return List.copyOf(v);
  }

  /** A metadata search pattern matching {@code name} exactly (and maybe more). */
  private static String pattern(String name, String escape) {
    if (escape == null || escape.isEmpty()) {
      return name;
    }
    return name.replace(escape, escape + escape)
        .replace("_", escape + "_")
        .replace("%", escape + "%");
  }
}
