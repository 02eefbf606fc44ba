package dev.layerkit.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The default {@link EventPublisher#publishAndForget} that a third-party publisher inherits. */
class EventPublisherTest {

  /** A publisher that returns the future it is given and records what it was asked to publish. */
  private static final class Scripted implements EventPublisher<String> {
    final List<String> published = new ArrayList<>();
    CompletableFuture<PublishReceipt> next = new CompletableFuture<>();

    @Override
    public CompletableFuture<PublishReceipt> publish(String topic, String key, String payload,
        Map<String, String> headers) {
      published.add(topic + '/' + key + '/' + payload + '/' + headers);
      return next;
    }

    @Override
    public CompletableFuture<PublishReceipt> publishWithId(String eventId, Instant timestamp,
        String topic, String key, String payload, Map<String, String> headers) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  }

  @Test
  void theDefaultPublishesWithoutHeadersAndReturnsWhileTheOutcomeIsPending() {
    Scripted publisher = new Scripted();

    assertThatCode(() -> publisher.publishAndForget("orders", "k", "v")).doesNotThrowAnyException();

    assertThat(publisher.published).containsExactly("orders/k/v/{}");
  }

  @Test
  void theDefaultThrowsAFailureTheFutureAlreadyHolds() {
    Scripted publisher = new Scripted();
    EventPublishException closed = EventPublishException.closed("orders");
    publisher.next = CompletableFuture.failedFuture(closed);

    assertThatThrownBy(() -> publisher.publishAndForget("orders", "k", "v")).isSameAs(closed);

    IllegalStateException other = new IllegalStateException("broken");
    publisher.next = CompletableFuture.failedFuture(other);
    assertThatThrownBy(() -> publisher.publishAndForget("orders", "k", "v"))
        .hasCause(other);
  }
}
