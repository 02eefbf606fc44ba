/**
 * Sharded repositories from {@code layerkit.repositories.*}: each a
 * {@link dev.layerkit.store.sharding.ShardedRepository} bean named {@code <name>Repository}, its
 * shards PostgreSQL tables (in the application's {@code DataSource} beans or in pools made from
 * JDBC URLs) or MongoDB collections.
 */
@NullMarked
package dev.layerkit.spring.store;

import org.jspecify.annotations.NullMarked;
