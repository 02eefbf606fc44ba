/** A repository's records as a pipeline source; needs {@code layerkit-store}. */
@NullMarked
package dev.layerkit.events.pipeline.store;

import org.jspecify.annotations.NullMarked;
