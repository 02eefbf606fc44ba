package dev.layerkit.spring.events;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs a bean's method as a member of consumer group {@link #group()} of topic {@link #topic()},
 * on the application's {@link LayerkitEvents} backend, while the application runs.
 *
 * <p>The method takes one parameter: the payload (decoded from JSON to the parameter's type,
 * generics included) or {@code Event<Payload>} for the key, headers, id and time too. It is called
 * from the subscription's thread, one event at a time; returning handles the event, throwing has
 * it retried and then sent to {@code <topic>.DLT}. Delivery is at least once.
 *
 * <pre>{@code
 * @LayerkitSubscriber(topic = "orders", group = "billing")
 * void charge(OrderPlaced order) { ... }
 * }</pre>
 *
 * <p>Subscriptions start with Spring's lifecycle, before the web server takes requests, and are
 * drained and closed after it stopped. A method with another signature fails the start, naming it.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface LayerkitSubscriber {

  /**
   * The topic, a legal topic name; {@code ${...}} placeholders are resolved.
   *
   * @return the topic
   */
  String topic();

  /**
   * The consumer group, not blank; {@code ${...}} placeholders are resolved.
   *
   * @return the group
   */
  String group();
}
