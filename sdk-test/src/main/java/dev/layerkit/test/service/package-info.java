/**
 * The contract suites of the application block (layerkit-service): {@link dev.layerkit.test.service.IdempotencyStoreContract} for an {@code IdempotencyKeyStore} behind {@code Idempotency}.
 *
 * <p>Each suite is an abstract JUnit 5 class: a backend's test extends it and implements its
 * factory methods, and every Layerkit backend of the block runs it against its real server. The
 * block's module is an optional dependency of {@code layerkit-test}: a user already has it.
 */
@NullMarked
package dev.layerkit.test.service;

import org.jspecify.annotations.NullMarked;
