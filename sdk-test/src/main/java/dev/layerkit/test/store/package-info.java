/**
 * The contract suites of the database block (layerkit-store): {@link dev.layerkit.test.store.RepositoryContract} for a {@code Repository} (with {@link dev.layerkit.test.store.TestOrder} as its entity) and {@code ShardMapStoreContract} for a {@code ShardMapStore}.
 *
 * <p>Each suite is an abstract JUnit 5 class: a backend's test extends it and implements its
 * factory methods, and every Layerkit backend of the block runs it against its real server. The
 * block's module is an optional dependency of {@code layerkit-test}: a user already has it.
 */
@NullMarked
package dev.layerkit.test.store;

import org.jspecify.annotations.NullMarked;
