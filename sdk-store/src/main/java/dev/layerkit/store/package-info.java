/**
 * The database layer: one {@link dev.layerkit.store.Repository} contract with optimistic versions
 * over three backends, and {@link dev.layerkit.store.sharding.ShardedRepository} for
 * application-level sharding with scatter-gather queries, read replicas and online rebalancing.
 * {@link dev.layerkit.store.Repositories} is the entry point: each of its methods returns a builder.
 *
 * <p>Backends: in memory here ({@link dev.layerkit.store.Repositories#inMemory}, no dependencies),
 * {@code dev.layerkit.store.jdbc.JdbcRepository} (PostgreSQL, needs {@code org.postgresql:postgresql}
 * and, unless you pass your own {@code DataSource}, {@code com.zaxxer:HikariCP}) and
 * {@code dev.layerkit.store.mongo.MongoRepository} (needs {@code org.mongodb:mongodb-driver-sync}).
 * Backups live in {@code dev.layerkit.store.backup}.
 *
 * <p>Entities are stored as their codec's bytes. Filters address top-level fields of the
 * entity's JSON encoding, so the codec of a repository that is queried by field (and of every
 * MongoDB and PostgreSQL repository) must encode an entity as a JSON object, as
 * {@code Codecs.json(type)} does.
 */
@NullMarked
package dev.layerkit.store;

import org.jspecify.annotations.NullMarked;
