package dev.layerkit.events;

import dev.layerkit.core.codec.Codec;
import dev.layerkit.test.events.EventBusContract;

/** The {@link EventBusContract} on the in-memory bus. */
class InMemoryEventBusContractTest extends EventBusContract {

  private final InMemoryEventBus bus = track(EventBuses.inMemory().build());

  @Override
  protected <T> EventPublisher<T> newPublisher(Codec<T> codec) {
    return bus.publisher(codec);
  }

  @Override
  protected <T> EventSubscriber<T> newSubscriber(Codec<T> codec, RetryPolicy retryPolicy) {
    return bus.subscriber(codec, retryPolicy);
  }

  @Override
  protected String newTopic(String name, int partitions) {
    String topic = testName() + '-' + name;
    bus.createTopic(topic, partitions);
    bus.createTopic(DeadLetters.topicFor(topic), partitions);
    return topic;
  }
}
