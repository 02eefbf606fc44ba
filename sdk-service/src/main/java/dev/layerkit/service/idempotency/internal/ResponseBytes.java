package dev.layerkit.service.idempotency.internal;

import dev.layerkit.service.idempotency.IdempotentResponse;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The byte form in which the Redis and PostgreSQL stores keep an {@link IdempotentResponse}: a
 * format version, the status, the headers and the body, with {@link DataOutputStream}'s length
 * prefixes. Written by hand rather than with a JSON codec so that the body is kept byte for byte,
 * without base64's third more, and a store reads it back without a mapper.
 *
 * <p>Stateless and thread-safe.
 */
public final class ResponseBytes {

  private static final int FORMAT = 1;

  private ResponseBytes() {}

  /**
   * Encodes a response.
   *
   * @param response the response
   * @return its bytes
   */
  public static byte[] encode(IdempotentResponse response) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + response.body().length);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(FORMAT);
      out.writeShort(response.status());
      out.writeInt(response.headers().size());
      for (Map.Entry<String, List<String>> header : response.headers().entrySet()) {
        out.writeUTF(header.getKey());
        out.writeInt(header.getValue().size());
        for (String value : header.getValue()) {
          out.writeUTF(value);
        }
      }
      byte[] body = response.body();
      out.writeInt(body.length);
      out.write(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /**
   * Decodes bytes made by {@link #encode}.
   *
   * @param bytes the bytes
   * @return the response
   * @throws IllegalArgumentException if the bytes are not a response of a known format
   */
  public static IdempotentResponse decode(byte[] bytes) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      int format = in.readUnsignedByte();
      if (format != FORMAT) {
        throw new IllegalArgumentException("stored response has unknown format " + format);
      }
      int status = in.readUnsignedShort();
      int headerCount = in.readInt();
      Map<String, List<String>> headers = new LinkedHashMap<>();
      for (int i = 0; i < headerCount; i++) {
        String name = in.readUTF();
        int valueCount = in.readInt();
        List<String> values = new ArrayList<>(valueCount);
        for (int v = 0; v < valueCount; v++) {
          values.add(in.readUTF());
        }
        headers.put(name, values);
      }
      byte[] body = new byte[in.readInt()];
      in.readFully(body);
      return new IdempotentResponse(status, headers, body);
    } catch (IOException e) {
      throw new IllegalArgumentException("stored response is truncated or corrupt", e);
    }
  }
}
