package dev.layerkit.events.internal;

import java.util.Map;

/** The headers Layerkit itself writes. */
public final class EventHeaders {

  /** The event's id. */
  public static final String EVENT_ID = "layerkit.event-id";

  /** The prefix reserved for Layerkit's headers. */
  public static final String RESERVED_PREFIX = "layerkit.";

  private EventHeaders() {}

  /**
   * Checks that application headers use no reserved name and no nulls.
   *
   * @param headers the headers
   * @return the headers
   * @throws NullPointerException if a name or value is null
   * @throws IllegalArgumentException if a name starts with {@code layerkit.}
   */
  public static Map<String, String> checkApplicationHeaders(Map<String, String> headers) {
    if (headers.isEmpty()) {
      return headers;  // the common case; Map.forEach would allocate an iterator even for none
    }
    headers.forEach((name, value) -> {
      java.util.Objects.requireNonNull(name, "header name");
      java.util.Objects.requireNonNull(value, () -> "value of header " + name);
      if (name.startsWith(RESERVED_PREFIX)) {
        throw new IllegalArgumentException("header names starting with '" + RESERVED_PREFIX
            + "' are reserved but headers had '" + name + "'");
      }
    });
    return headers;
  }
}
