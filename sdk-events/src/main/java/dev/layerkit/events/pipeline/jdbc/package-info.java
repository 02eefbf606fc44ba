/** The PostgreSQL analytics sink; needs {@code org.postgresql:postgresql}. */
@NullMarked
package dev.layerkit.events.pipeline.jdbc;

import org.jspecify.annotations.NullMarked;
