package dev.cleanroom.internal.plan;

import dev.cleanroom.ColumnRole;
import dev.cleanroom.ColumnType;

/**
 * A column reference resolved to one dataset of the query.
 *
 * @param dataset the position of the dataset in the query
 * @param name the column's name in that dataset
 * @param type the column's type
 * @param role the column's role in that dataset
 */
public record ResolvedColumn(int dataset, String name, ColumnType type, ColumnRole role) {}
