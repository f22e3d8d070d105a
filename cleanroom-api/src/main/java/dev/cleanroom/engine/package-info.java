/**
 * The engine-facing side of the API: what {@code cleanroom-core} implements and {@link
 * dev.cleanroom.CleanRoom#builder()} and the fluent query stages call. Exported only to the engine
 * module; applications use {@link dev.cleanroom.CleanRoom} and never these types.
 */
package dev.cleanroom.engine;
