/**
 * The contract suites of the data-processing block (layerkit-events): {@link dev.layerkit.test.events.EventBusContract} for an event publisher and subscriber, and {@code IdempotencyStoreContract} for an {@code IdempotencyStore}.
 *
 * <p>Each suite is an abstract JUnit 5 class: a backend's test extends it and implements its
 * factory methods, and every Layerkit backend of the block runs it against its real server. The
 * block's module is an optional dependency of {@code layerkit-test}: a user already has it.
 */
@NullMarked
package dev.layerkit.test.events;

import org.jspecify.annotations.NullMarked;
