/**
 * Codecs turn values into bytes and back for every backend that stores or sends them (Redis,
 * Kafka, PostgreSQL, MongoDB): {@link dev.layerkit.core.codec.Codec},
 * {@link dev.layerkit.core.codec.Codecs#json(Class)} on Jackson and
 * {@link dev.layerkit.core.codec.Codecs#utf8()}.
 *
 * <p>A value that cannot be encoded or bytes that cannot be decoded raise a
 * {@link dev.layerkit.core.codec.CodecException} naming the type and the cause, never a half-built
 * value.
 */
@NullMarked
package dev.layerkit.core.codec;

import org.jspecify.annotations.NullMarked;
