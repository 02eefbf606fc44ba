/**
 * The PostgreSQL backend: {@link dev.layerkit.store.jdbc.JdbcRepository} keeps each repository in
 * a table {@code (id text PRIMARY KEY, version bigint, doc jsonb)}, saves with a version-guarded
 * upsert in one statement, and indexes the descriptor's fields with expression indexes.
 *
 * <p>Needs {@code org.postgresql:postgresql} on the class path, and {@code com.zaxxer:HikariCP}
 * when the repository makes its own pool from a JDBC URL (not when given a {@code DataSource}).
 */
@NullMarked
package dev.layerkit.store.jdbc;

import org.jspecify.annotations.NullMarked;
