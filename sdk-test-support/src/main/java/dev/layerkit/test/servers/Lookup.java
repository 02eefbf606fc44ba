package dev.layerkit.test.servers;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Reads a named setting: an environment variable or a system property.
 *
 * <p>Resolution reads settings only through this interface so that unit tests can hand it a map
 * instead of changing the process environment. Implementations must be safe to call from any
 * thread.
 */
@FunctionalInterface
interface Lookup {

  /** The real process environment. */
  Lookup ENVIRONMENT = System::getenv;

  /** The JVM's system properties. */
  Lookup SYSTEM_PROPERTIES = System::getProperty;

  /**
   * Returns the value of the setting, or null when it is not set.
   *
   * @param name the setting's name
   * @return its value, or null
   */
  @Nullable String get(String name);

  /**
   * Returns a lookup over a fixed map, for tests.
   *
   * @param values the settings
   * @return a lookup that answers from a copy of {@code values}
   */
  static Lookup of(Map<String, String> values) {
    Map<String, String> copy = Map.copyOf(values);
    return copy::get;
  }
}
