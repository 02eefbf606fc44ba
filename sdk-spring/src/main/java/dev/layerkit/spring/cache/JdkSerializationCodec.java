package dev.layerkit.spring.cache;

import dev.layerkit.core.codec.Codec;
import dev.layerkit.core.codec.CodecException;
import java.io.IOException;
import org.springframework.core.serializer.DefaultDeserializer;
import org.springframework.core.serializer.DefaultSerializer;
import org.springframework.core.serializer.Deserializer;
import org.springframework.core.serializer.Serializer;

/**
 * Cache values in Redis as Java serialization, through Spring's own serializer (what Spring Data
 * Redis's {@code RedisCacheManager} uses by default): a Spring cache holds values of any type, so
 * no one JSON type fits. Values must be {@link java.io.Serializable}; a value that is not throws
 * {@link CodecException} from the cache call, and nothing is cached. Thread-safe.
 */
final class JdkSerializationCodec implements Codec<Object> {

  private final Serializer<Object> serializer = new DefaultSerializer();
  private final Deserializer<Object> deserializer;

  JdkSerializationCodec(ClassLoader classLoader) {
    this.deserializer = new DefaultDeserializer(classLoader);
  }

  @Override
  public byte[] encode(Object value) {
    try {
      return serializer.serializeToByteArray(value);
    } catch (IOException | RuntimeException e) {
      throw CodecException.encodeFailed(typeName(), e);
    }
  }

  @Override
  public Object decode(byte[] bytes) {
    try {
      return deserializer.deserializeFromByteArray(bytes);
    } catch (IOException | RuntimeException e) {
      throw CodecException.decodeFailed(typeName(), bytes.length, e);
    }
  }

  @Override
  public String typeName() {
    return "java-serialized";
  }
}
