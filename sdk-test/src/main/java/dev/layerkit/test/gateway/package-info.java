/**
 * The contract suites of the gateway block (layerkit-gateway): {@link dev.layerkit.test.gateway.RateLimiterContract} for a {@code RateLimiter}.
 *
 * <p>Each suite is an abstract JUnit 5 class: a backend's test extends it and implements its
 * factory methods, and every Layerkit backend of the block runs it against its real server. The
 * block's module is an optional dependency of {@code layerkit-test}: a user already has it.
 */
@NullMarked
package dev.layerkit.test.gateway;

import org.jspecify.annotations.NullMarked;
