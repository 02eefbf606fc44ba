package dev.layerkit.test.servers;

import java.security.SecureRandom;
import java.util.Locale;
import java.util.Objects;

/**
 * Makes the unique names that keep one test's data apart from another's on a shared server.
 *
 * <p>Each name starts with a fixed marker ({@code lk-test} or {@code lk_test}) so that anyone can
 * see, and remove, what tests left behind; then the test's own name, cleaned to the characters the
 * server allows; then 12 random hex digits, so two JVMs (two CI jobs on one machine, say) never
 * collide. Stateless and thread-safe.
 */
final class Namespaces {

  /** The marker at the start of every Redis key prefix and Kafka topic name. */
  static final String DASHED_MARKER = "lk-test";

  /** The marker at the start of every PostgreSQL schema and MongoDB database name. */
  static final String UNDERSCORED_MARKER = "lk_test";

  // PostgreSQL truncates identifiers past 63 bytes and MongoDB refuses database names of 64 or
  // more, so names are built to fit in 63 ASCII characters.
  private static final int MAX_IDENTIFIER_LENGTH = 63;
  private static final int RANDOM_HEX_DIGITS = 12;
  private static final int MAX_KEY_NAME_LENGTH = 60;
  private static final SecureRandom RANDOM = new SecureRandom();

  private Namespaces() {}

  /**
   * Returns a fresh Redis key prefix, {@code lk-test:<testName>:<random>:}.
   *
   * @param testName what the prefix is for; any characters, cleaned
   * @return the prefix, ending in a colon
   * @throws NullPointerException if {@code testName} is null
   * @throws IllegalArgumentException if {@code testName} is blank
   */
  static String redisKeyPrefix(String testName) {
    String name = clean(testName, "[^A-Za-z0-9._-]+", "-", MAX_KEY_NAME_LENGTH);
    return DASHED_MARKER + ':' + name + ':' + randomHex() + ':';
  }

  /**
   * Returns a fresh Kafka topic name, {@code lk-test-<testName>-<random>}.
   *
   * <p>Only dashes separate the parts: Kafka warns about topics that mix dots and underscores
   * because both map to the same metric name.
   *
   * @param testName what the topic is for; any characters, cleaned
   * @return a legal topic name
   * @throws NullPointerException if {@code testName} is null
   * @throws IllegalArgumentException if {@code testName} is blank
   */
  static String kafkaTopic(String testName) {
    String name = clean(testName, "[^A-Za-z0-9-]+", "-", MAX_KEY_NAME_LENGTH);
    return DASHED_MARKER + '-' + name + '-' + randomHex();
  }

  /**
   * Returns a fresh lower-case identifier, {@code lk_test_<testName>_<random>}, that is a legal
   * unquoted PostgreSQL schema name and a legal MongoDB database name.
   *
   * @param testName what the identifier is for; any characters, cleaned and cut to fit
   * @return an identifier of at most 63 characters from {@code [a-z0-9_]}
   * @throws NullPointerException if {@code testName} is null
   * @throws IllegalArgumentException if {@code testName} is blank
   */
  static String identifier(String testName) {
    int room = MAX_IDENTIFIER_LENGTH - UNDERSCORED_MARKER.length() - RANDOM_HEX_DIGITS - 2;
    String name = clean(testName.toLowerCase(Locale.ROOT), "[^a-z0-9_]+", "_", room);
    return UNDERSCORED_MARKER + '_' + name + '_' + randomHex();
  }

  private static String clean(String testName, String disallowed, String replacement, int maxLength) {
    Objects.requireNonNull(testName, "testName");
    if (testName.isBlank()) {
      throw new IllegalArgumentException("testName must not be blank but was '" + testName + "'");
    }
    String cleaned = testName.strip().replaceAll(disallowed, replacement);
    return cleaned.length() <= maxLength ? cleaned : cleaned.substring(0, maxLength);
  }

  private static String randomHex() {
    long bits = RANDOM.nextLong() >>> (Long.SIZE - 4 * RANDOM_HEX_DIGITS);
    return String.format(Locale.ROOT, "%0" + RANDOM_HEX_DIGITS + "x", bits);
  }
}
