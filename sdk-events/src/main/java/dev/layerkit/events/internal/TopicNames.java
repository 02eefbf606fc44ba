package dev.layerkit.events.internal;

import dev.layerkit.core.internal.Arguments;
import java.util.Objects;

/**
 * Kafka's topic-name rules, applied by every backend so that a name that works in memory works on
 * Kafka: 1 to 249 characters from {@code [a-zA-Z0-9._-]}, not {@code .} or {@code ..}.
 */
public final class TopicNames {

  /** The longest legal name, as in Kafka. */
  public static final int MAX_LENGTH = 249;

  private TopicNames() {}

  /**
   * Checks a topic name.
   *
   * @param topic the name
   * @return the name
   * @throws NullPointerException if {@code topic} is null
   * @throws IllegalArgumentException naming the rule the name broke
   */
  public static String check(String topic) {
    Objects.requireNonNull(topic, "topic");
    if (topic.isEmpty()) {
      throw new IllegalArgumentException("topic must not be empty");
    }
    if (topic.equals(".") || topic.equals("..")) {
      throw new IllegalArgumentException("topic must not be '.' or '..' but was '" + topic + "'");
    }
    if (topic.length() > MAX_LENGTH) {
      throw new IllegalArgumentException("topic must be at most " + MAX_LENGTH
          + " characters but was " + topic.length() + " characters long");
    }
    for (int i = 0; i < topic.length(); i++) {
      char c = topic.charAt(i);
      boolean legal = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '.' || c == '_' || c == '-';
      if (!legal) {
        throw new IllegalArgumentException("topic may contain only ASCII letters, digits, '.', '_'"
            + " and '-' but '" + topic + "' has '" + c + "' at index " + i);
      }
    }
    return topic;
  }

  /**
   * Checks a consumer group name.
   *
   * @param group the name
   * @return the name
   * @throws NullPointerException if {@code group} is null
   * @throws IllegalArgumentException if it is blank
   */
  public static String checkGroup(String group) {
    return Arguments.notBlank(group, "group");
  }
}
