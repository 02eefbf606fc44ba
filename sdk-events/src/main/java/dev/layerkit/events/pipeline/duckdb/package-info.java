/**
 * The embedded DuckDB analytics sink, the default warehouse of one machine; needs {@code
 * org.duckdb:duckdb_jdbc}.
 */
@NullMarked
package dev.layerkit.events.pipeline.duckdb;

import org.jspecify.annotations.NullMarked;
