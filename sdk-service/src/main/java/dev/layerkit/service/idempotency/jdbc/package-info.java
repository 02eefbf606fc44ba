/**
 * The PostgreSQL {@link dev.layerkit.service.idempotency.IdempotencyKeyStore}, on JDBC (optional
 * dependencies: add {@code org.postgresql:postgresql}, and a pool such as HikariCP).
 */
@NullMarked
package dev.layerkit.service.idempotency.jdbc;

import org.jspecify.annotations.NullMarked;
