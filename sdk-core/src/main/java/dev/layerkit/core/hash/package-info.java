/**
 * Key hashing and consistent hashing.
 *
 * <ul>
 *   <li>{@link dev.layerkit.core.hash.Hashing}: fast, well-distributed 64-bit hashes of strings,
 *       bytes and longs (XXH3 from OpenHFT zero-allocation-hashing), stable across JVMs;</li>
 *   <li>{@link dev.layerkit.core.hash.JumpHash}: Lamping and Veach's jump consistent hash onto
 *       numbered buckets;</li>
 *   <li>{@link dev.layerkit.core.hash.ConsistentHash} with three node-set algorithms:
 *       {@link dev.layerkit.core.hash.HashRing} (virtual nodes),
 *       {@link dev.layerkit.core.hash.RendezvousHash} (weighted highest random weight) and
 *       {@link dev.layerkit.core.hash.MaglevHash} (O(1) lookup table).</li>
 * </ul>
 *
 * <p>Choosing one: jump hash when nodes are numbered and only the last one is ever added or
 * removed (shards); Maglev for the fastest lookup with even load; the ring when the ecosystem
 * expects ketama-style behaviour; rendezvous for small node sets where weights must be exact.
 * {@code benchmarks/README.md} has their measured cost, balance and movement.
 */
@NullMarked
package dev.layerkit.core.hash;

import org.jspecify.annotations.NullMarked;
