/**
 * Time as a dependency: {@link dev.layerkit.core.time.TimeSource} for production and
 * {@link dev.layerkit.core.time.ManualTimeSource} for tests.
 *
 * <p>Every Layerkit block reads time only through a {@code TimeSource}, so refills, TTLs,
 * windows and backoffs can be tested by advancing a manual clock instead of sleeping.
 *
 * <p>{@link dev.layerkit.core.time.CoarseTimeSource} stands in for {@code TimeSource.system()} on
 * hot paths: the system clocks as of the last millisecond tick of one shared thread, for blocks
 * that would otherwise read the clock on every call.
 */
@NullMarked
package dev.layerkit.core.time;

import org.jspecify.annotations.NullMarked;
