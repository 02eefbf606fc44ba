/**
 * Layerkit core: the pieces every block shares.
 *
 * <ul>
 *   <li>{@link dev.layerkit.core.time} - injected time, so tests never sleep;</li>
 *   <li>{@code dev.layerkit.core.hash} - key hashing and consistent hashing;</li>
 *   <li>{@code dev.layerkit.core.codec} - value codecs (JSON, UTF-8);</li>
 *   <li>{@code dev.layerkit.core.health} - the health-check SPI every backend reports through;</li>
 *   <li>{@link dev.layerkit.core.resilience} - retry, circuit breaker, bulkhead and timeout on
 *       Resilience4j.</li>
 * </ul>
 */
@NullMarked
package dev.layerkit.core;

import org.jspecify.annotations.NullMarked;
