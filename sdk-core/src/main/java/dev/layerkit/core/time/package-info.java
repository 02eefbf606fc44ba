/**
 * Time as a dependency: {@link dev.layerkit.core.time.TimeSource} for production and
 * {@link dev.layerkit.core.time.ManualTimeSource} for tests.
 *
 * <p>Every Layerkit block reads time only through a {@code TimeSource}, so refills, TTLs,
 * windows and backoffs can be tested by advancing a manual clock instead of sleeping.
 *
 * <p>Blocks that would read the clock on every call (a cache hit, a rate-limit decision, a
 * balancer's pick) read, in place of {@code TimeSource.system()} only, a clock that one shared
 * thread caches every millisecond while it is read often enough for that to be cheaper than a
 * clock read per call (about a thousand reads a millisecond), and the system clock otherwise; that
 * is an implementation detail, not API.
 */
@NullMarked
package dev.layerkit.core.time;

import org.jspecify.annotations.NullMarked;
