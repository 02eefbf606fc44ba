package dev.layerkit.service.idempotency;

import dev.layerkit.core.internal.Arguments;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A response as {@link Idempotency} stores and replays it: the status, the headers the server
 * chooses to replay (say {@code Location} and {@code Content-Type}, not {@code Date}) and the
 * body bytes.
 *
 * <p>Immutable and thread-safe: the headers are copied into unmodifiable lists and the body is
 * copied in and out, so a caller cannot change a stored response.
 *
 * <pre>{@code
 * IdempotentResponse created = IdempotentResponse.of(201, orderJson)
 *     .withHeader("Location", "/orders/" + order.id())
 *     .withHeader("Content-Type", "application/json");
 * }</pre>
 *
 * @param status the HTTP status, 100 to 599
 * @param headers header names to values, in the order given
 * @param body the body bytes
 */
public record IdempotentResponse(int status, Map<String, List<String>> headers, byte[] body) {

  /**
   * Checks and copies the parts.
   *
   * @param status the HTTP status
   * @param headers the headers
   * @param body the body
   * @throws NullPointerException if {@code headers}, a name, a value list, a value or {@code
   *     body} is null
   * @throws IllegalArgumentException if {@code status} is not between 100 and 599 or a header
   *     name is blank
   */
  public IdempotentResponse {
    if (status < 100 || status > 599) {
      throw new IllegalArgumentException("status must be between 100 and 599 but was " + status);
    }
    Objects.requireNonNull(headers, "headers");
    Map<String, List<String>> copy = new LinkedHashMap<>();
    headers.forEach((name, values) -> copy.put(Arguments.notBlank(name, "header name"), List.copyOf(values)));
    headers = java.util.Collections.unmodifiableMap(copy);
    body = Objects.requireNonNull(body, "body").clone();
  }

  /**
   * Returns a response without headers.
   *
   * @param status the HTTP status
   * @param body the body
   * @return the response
   * @throws NullPointerException if {@code body} is null
   * @throws IllegalArgumentException if {@code status} is not between 100 and 599
   */
  public static IdempotentResponse of(int status, byte[] body) {
    return new IdempotentResponse(status, Map.of(), body);
  }

  /**
   * Returns a response without headers whose body is the UTF-8 bytes of {@code body}.
   *
   * @param status the HTTP status
   * @param body the body text
   * @return the response
   * @throws NullPointerException if {@code body} is null
   * @throws IllegalArgumentException if {@code status} is not between 100 and 599
   */
  public static IdempotentResponse of(int status, String body) {
    return of(status, body.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Returns a copy with one more header value.
   *
   * @param name the header name
   * @param value the value, added after the values the name has
   * @return the copy
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code name} is blank
   */
  public IdempotentResponse withHeader(String name, String value) {
    Arguments.notBlank(name, "name");
    Objects.requireNonNull(value, "value");
    Map<String, List<String>> copy = new LinkedHashMap<>(headers);
    copy.merge(name, List.of(value), (a, b) -> {
      List<String> both = new java.util.ArrayList<>(a);
      both.addAll(b);
      return both;
    });
    return new IdempotentResponse(status, copy, body);
  }

  /**
   * Returns a copy of the body.
   *
   * @return the body bytes
   */
  @Override
  public byte[] body() {
    return body.clone();
  }

  /**
   * Returns the body decoded as UTF-8.
   *
   * @return the body text
   */
  public String bodyAsString() {
    return new String(body, StandardCharsets.UTF_8);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof IdempotentResponse other && status == other.status
        && headers.equals(other.headers) && Arrays.equals(body, other.body);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * status + headers.hashCode()) + Arrays.hashCode(body);
  }

  @Override
  public String toString() {
    return "IdempotentResponse[status=" + status + ", headers=" + headers + ", body=" + body.length + " bytes]";
  }
}
