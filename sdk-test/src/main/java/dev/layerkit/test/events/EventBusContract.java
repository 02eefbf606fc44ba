package dev.layerkit.test.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.layerkit.core.codec.Codec;
import dev.layerkit.core.codec.CodecException;
import dev.layerkit.core.codec.Codecs;
import dev.layerkit.events.DeadLetters;
import dev.layerkit.events.Event;
import dev.layerkit.events.EventPublishException;
import dev.layerkit.events.EventPublisher;
import dev.layerkit.events.EventSubscriber;
import dev.layerkit.events.PublishReceipt;
import dev.layerkit.events.RetryPolicy;
import dev.layerkit.events.Subscription;
import dev.layerkit.test.Concurrently;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The behaviour every event backend must have: envelopes, per-key order under concurrent
 * publishers, consumer groups (each group sees every event; members split partitions and
 * rebalance), commit on close, retries and the dead-letter topic, and clear failures for bad input.
 *
 * <p>A backend's test extends this class and makes publishers, subscribers and topics; everything
 * it makes through {@link #track} is closed after each test. Third-party backends run the same
 * suite: add {@code dev.layerkit:layerkit-test} (test scope) and extend this class.
 */
public abstract class EventBusContract {

  /** How long a test waits for deliveries; generous for a shared CI machine. */
  protected static final Duration WAIT = Duration.ofSeconds(60);

  private final List<AutoCloseable> resources = new ArrayList<>();
  private String testName = "test";

  /**
   * Returns a new publisher.
   *
   * @param codec the payload codec
   * @param <T> the payload type
   * @return the publisher
   */
  protected abstract <T> EventPublisher<T> newPublisher(Codec<T> codec);

  /**
   * Returns a new subscriber whose dead letters go to {@code <topic>.DLT} on the same backend.
   *
   * @param codec the payload codec
   * @param retryPolicy the retry policy
   * @param <T> the payload type
   * @return the subscriber
   */
  protected abstract <T> EventSubscriber<T> newSubscriber(Codec<T> codec, RetryPolicy retryPolicy);

  /**
   * Creates a topic of this test, and its dead-letter topic, and returns its name.
   *
   * @param name what the topic is for, unique within the test
   * @param partitions its partitions
   * @return the topic's name, not used by any other test
   */
  protected abstract String newTopic(String name, int partitions);

  /**
   * Closes {@code resource} after the test.
   *
   * @param resource the resource
   * @param <R> its type
   * @return the resource
   */
  protected final <R extends AutoCloseable> R track(R resource) {
    resources.add(resource);
    return resource;
  }

  /**
   * Returns the running test's method name, for topic and group names.
   *
   * @return the name
   */
  protected final String testName() {
    return testName;
  }

  @org.junit.jupiter.api.BeforeEach
  void rememberTestName(TestInfo info) {
    testName = info.getTestMethod().map(m -> m.getName()).orElse("test");
  }

  @AfterEach
  void closeResources() throws Exception {
    Collections.reverse(resources);
    for (AutoCloseable resource : resources) {
      resource.close();
    }
    resources.clear();
  }

  private EventPublisher<String> strings() {
    return track(newPublisher(Codecs.utf8()));
  }

  private EventSubscriber<String> stringSubscriber(RetryPolicy policy) {
    return track(newSubscriber(Codecs.utf8(), policy));
  }

  private static String group(String name) {
    return name + '-' + System.nanoTime();
  }

  @Test
  void deliversEachEventWithTheEnvelopeItsReceiptDescribes() throws Exception {
    String topic = newTopic("envelope", 2);
    EventPublisher<String> publisher = strings();
    List<Event<String>> received = new CopyOnWriteArrayList<>();
    track(stringSubscriber(RetryPolicy.noRetries())
        .subscribe(topic, group("g"), received::add));

    PublishReceipt receipt = publisher.publish(topic, "order-1", "created",
        Map.of("trace-id", "abc")).get(WAIT.toSeconds(), TimeUnit.SECONDS);

    await().atMost(WAIT).until(() -> received.size() == 1);
    Event<String> event = received.get(0);
    assertThat(event.id()).isEqualTo(receipt.eventId()).isNotBlank();
    assertThat(event.topic()).isEqualTo(topic).isEqualTo(receipt.topic());
    assertThat(event.key()).isEqualTo("order-1");
    assertThat(event.payload()).isEqualTo("created");
    assertThat(event.headers()).containsEntry("trace-id", "abc");
    assertThat(event.timestamp()).isEqualTo(receipt.timestamp());
    assertThat(event.partition()).isEqualTo(receipt.partition());
    assertThat(event.offset()).isEqualTo(receipt.offset());
  }

  @Test
  void anEventPublishedWithAnIdOfItsOwnKeepsItAndItsEventTime() throws Exception {
    String topic = newTopic("own-id", 1);
    EventPublisher<String> publisher = strings();
    List<Event<String>> received = new CopyOnWriteArrayList<>();
    track(stringSubscriber(RetryPolicy.noRetries())
        .subscribe(topic, group("g"), received::add));
    java.time.Instant at = java.time.Instant.parse("2026-03-01T12:00:00Z");

    PublishReceipt first = publisher.publishWithId("order-7-created", at, topic, "order-7", "v1",
        Map.of()).get(WAIT.toSeconds(), TimeUnit.SECONDS);
    PublishReceipt again = publisher.publishWithId("order-7-created", at, topic, "order-7", "v1",
        Map.of()).get(WAIT.toSeconds(), TimeUnit.SECONDS);

    assertThat(first.eventId()).isEqualTo("order-7-created").isEqualTo(again.eventId());
    await().atMost(WAIT).until(() -> received.size() == 2);
    assertThat(received).allSatisfy(e -> {
      assertThat(e.id()).isEqualTo("order-7-created");
      assertThat(e.timestamp()).isEqualTo(at);
    });
    assertThatThrownBy(() -> publisher.publishWithId(" ", at, topic, "k", "v", Map.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("eventId");
  }

  @Test
  void sameKeyGoesToOnePartitionAndKeepsOrderUnderConcurrentPublishers() throws Exception {
    String topic = newTopic("order", 4);
    EventPublisher<String> publisher = strings();
    int threads = 4;
    int keys = 8;
    int perKeyAndThread = 40;
    int total = threads * keys * perKeyAndThread;
    ConcurrentMap<String, List<Integer>> seen = new ConcurrentHashMap<>();
    ConcurrentMap<String, Set<Integer>> partitionsOfKey = new ConcurrentHashMap<>();
    AtomicInteger count = new AtomicInteger();
    track(stringSubscriber(RetryPolicy.noRetries()).subscribe(topic, group("g"), event -> {
      String[] parts = event.payload().split(":");
      seen.computeIfAbsent(event.key() + '/' + parts[0], k -> new CopyOnWriteArrayList<>())
          .add(Integer.parseInt(parts[1]));
      partitionsOfKey.computeIfAbsent(event.key(), k -> ConcurrentHashMap.newKeySet())
          .add(event.partition());
      count.incrementAndGet();
    }));

    AtomicInteger threadIds = new AtomicInteger();
    Queue<CompletableFuture<PublishReceipt>> receipts = new ConcurrentLinkedQueue<>();
    Concurrently.run(threads, () -> {
      String thread = "t" + threadIds.getAndIncrement();
      List<CompletableFuture<PublishReceipt>> futures = new ArrayList<>();
      for (int seq = 0; seq < perKeyAndThread; seq++) {
        for (int k = 0; k < keys; k++) {
          futures.add(publisher.publish(topic, "key-" + k, thread + ':' + seq));
        }
      }
      receipts.addAll(futures);
    });
    for (CompletableFuture<PublishReceipt> receipt : receipts) {
      receipt.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    await().atMost(WAIT).until(() -> count.get() >= total);
    assertThat(count.get()).as("each event once").isEqualTo(total);
    assertThat(seen).hasSize(threads * keys);
    List<Integer> expected = IntStream.range(0, perKeyAndThread).boxed().toList();
    seen.forEach((keyAndThread, sequence) ->
        assertThat(sequence).as(keyAndThread).containsExactlyElementsOf(expected));
    partitionsOfKey.forEach((key, partitions) -> assertThat(partitions).as(key).hasSize(1));
  }

  @Test
  void everyGroupSeesEveryEventAndANewGroupStartsFromTheBeginning() throws Exception {
    String topic = newTopic("groups", 3);
    EventPublisher<String> publisher = strings();
    for (int i = 0; i < 30; i++) {
      publisher.publish(topic, "k" + i, "e" + i);
    }
    publisher.flush();
    Set<String> first = ConcurrentHashMap.newKeySet();
    Set<String> second = ConcurrentHashMap.newKeySet();
    EventSubscriber<String> subscriber = stringSubscriber(RetryPolicy.noRetries());
    track(subscriber.subscribe(topic, group("analytics"), e -> first.add(e.payload())));
    track(subscriber.subscribe(topic, group("billing"), e -> second.add(e.payload())));

    Set<String> expected = new HashSet<>();
    IntStream.range(0, 30).forEach(i -> expected.add("e" + i));
    await().atMost(WAIT).until(() -> first.size() == 30 && second.size() == 30);
    assertThat(first).isEqualTo(expected);
    assertThat(second).isEqualTo(expected);
  }

  @Test
  void aMemberIsAssignedOnceAndAGroupMemberBeyondThePartitionsIsAssignedNothing()
      throws Exception {
    String topic = newTopic("assigned", 1);
    String group = group("g");
    EventSubscriber<String> subscriber = stringSubscriber(RetryPolicy.noRetries());
    List<String> handled = new CopyOnWriteArrayList<>();
    Subscription first = track(subscriber.subscribe(topic, group, e -> handled.add(e.payload())));
    first.awaitAssignment(WAIT);
    assertThat(first.assignedPartitions()).containsExactly(0);

    Subscription second = track(subscriber.subscribe(topic, group, e -> handled.add(e.payload())));
    second.awaitAssignment(WAIT);
    assertThat(second.assigned().toCompletableFuture()).isCompleted();
    assertThat(first.assigned().toCompletableFuture()).as("completes once, stays complete")
        .isCompleted();
    publishNumbered(strings(), topic, "after", 3);
    await().atMost(WAIT).until(() -> handled.size() == 3);
    assertThat(handled).containsExactlyInAnyOrder("after-0", "after-1", "after-2");
  }

  @Test
  void membersOfOneGroupSplitThePartitionsAndTheRemainingMemberTakesOverWhenOneLeaves()
      throws Exception {
    String topic = newTopic("split", 4);
    String group = group("workers");
    EventPublisher<String> publisher = strings();
    EventSubscriber<String> subscriber = stringSubscriber(RetryPolicy.noRetries());
    ConcurrentMap<String, String> handledBy = new ConcurrentHashMap<>();
    ConcurrentMap<String, Integer> partitionOf = new ConcurrentHashMap<>();
    AtomicInteger duplicates = new AtomicInteger();
    Subscription a = subscriber.subscribe(topic, group, e -> {
      partitionOf.put(e.payload(), e.partition());
      if (handledBy.put(e.payload(), "a") != null) {
        duplicates.incrementAndGet();
      }
    });
    Subscription b = track(subscriber.subscribe(topic, group, e -> {
      partitionOf.put(e.payload(), e.partition());
      if (handledBy.put(e.payload(), "b") != null) {
        duplicates.incrementAndGet();
      }
    }));
    try {
      Set<Integer> all = Set.of(0, 1, 2, 3);
      await().atMost(WAIT).until(() -> {
        Set<Integer> pa = a.assignedPartitions();
        Set<Integer> pb = b.assignedPartitions();
        Set<Integer> union = new HashSet<>(pa);
        union.addAll(pb);
        return !pa.isEmpty() && !pb.isEmpty() && union.equals(all)
            && pa.size() + pb.size() == all.size();
      });
      Set<Integer> partitionsOfA = a.assignedPartitions();

      publishNumbered(publisher, topic, "first", 40);
      await().atMost(WAIT).until(() -> handledBy.size() == 40);
      assertThat(duplicates.get()).isZero();
      assertThat(new HashSet<>(partitionOf.values())).as("the keys cover every partition")
          .isEqualTo(all);
      handledBy.forEach((payload, member) -> assertThat(member).as(payload)
          .isEqualTo(partitionsOfA.contains(partitionOf.get(payload)) ? "a" : "b"));
    } finally {
      a.close();
    }

    await().atMost(WAIT).until(() -> b.assignedPartitions().size() == 4);
    publishNumbered(publisher, topic, "second", 40);
    await().atMost(WAIT).until(() -> handledBy.size() == 80);
    assertThat(duplicates.get()).as("a committed what it handled before it left").isZero();
    handledBy.forEach((payload, member) -> {
      if (payload.startsWith("second")) {
        assertThat(member).as(payload).isEqualTo("b");
      }
    });
  }

  private static void publishNumbered(
      EventPublisher<String> publisher, String topic, String prefix, int count) throws Exception {
    List<CompletableFuture<PublishReceipt>> futures = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      futures.add(publisher.publish(topic, prefix + "-key-" + i, prefix + '-' + i));
    }
    CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
        .get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  @Test
  void closeCommitsSoTheGroupResumesAfterTheLastHandledEvent() throws Exception {
    String topic = newTopic("resume", 2);
    String group = group("resume");
    EventPublisher<String> publisher = strings();
    EventSubscriber<String> subscriber = stringSubscriber(RetryPolicy.noRetries());
    List<String> firstRun = new CopyOnWriteArrayList<>();
    Subscription subscription = subscriber.subscribe(topic, group, e -> firstRun.add(e.payload()));
    publishNumbered(publisher, topic, "before", 10);
    await().atMost(WAIT).until(() -> firstRun.size() == 10);
    subscription.close();

    publishNumbered(publisher, topic, "after", 5);
    publisher.publish(topic, "sentinel", "sentinel").get(WAIT.toSeconds(), TimeUnit.SECONDS);
    List<String> secondRun = new CopyOnWriteArrayList<>();
    track(subscriber.subscribe(topic, group, e -> secondRun.add(e.payload())));

    await().atMost(WAIT).until(() -> secondRun.contains("sentinel") && secondRun.size() >= 6);
    assertThat(secondRun).as("nothing handled before close is handled again")
        .containsExactlyInAnyOrder("after-0", "after-1", "after-2", "after-3", "after-4",
            "sentinel");
  }

  @Test
  void failingHandlerIsRetriedThenDeadLetteredWithHeadersAndThePartitionKeepsFlowing()
      throws Exception {
    String topic = newTopic("poison", 1);
    EventPublisher<String> publisher = strings();
    RetryPolicy policy = RetryPolicy.builder().maxAttempts(3).initialBackoff(Duration.ZERO)
        .maxBackoff(Duration.ZERO).build();
    EventSubscriber<String> subscriber = stringSubscriber(policy);
    AtomicInteger poisonCalls = new AtomicInteger();
    List<String> handled = new CopyOnWriteArrayList<>();
    track(subscriber.subscribe(topic, group("g"), e -> {
      if (e.payload().equals("poison")) {
        poisonCalls.incrementAndGet();
        throw new IllegalStateException("cannot handle " + e.payload());
      }
      handled.add(e.payload());
    }));
    List<Event<String>> deadLetters = new CopyOnWriteArrayList<>();
    track(subscriber.subscribe(DeadLetters.topicFor(topic), group("dlt"), deadLetters::add));

    publisher.publish(topic, "k", "a");
    PublishReceipt poison =
        publisher.publish(topic, "k", "poison").get(WAIT.toSeconds(), TimeUnit.SECONDS);
    publisher.publish(topic, "k", "b");
    publisher.publish(topic, "k", "c");
    publisher.flush();

    await().atMost(WAIT).until(() -> handled.size() == 3 && deadLetters.size() == 1);
    assertThat(handled).containsExactly("a", "b", "c");
    assertThat(poisonCalls.get()).isEqualTo(3);
    Event<String> dead = deadLetters.get(0);
    assertThat(dead.payload()).isEqualTo("poison");
    assertThat(dead.key()).isEqualTo("k");
    assertThat(dead.id()).as("the event keeps its id").isEqualTo(poison.eventId());
    assertThat(dead.headers())
        .containsEntry(DeadLetters.EXCEPTION_CLASS, IllegalStateException.class.getName())
        .containsEntry(DeadLetters.EXCEPTION_MESSAGE, "cannot handle poison")
        .containsEntry(DeadLetters.ATTEMPTS, "3")
        .containsEntry(DeadLetters.ORIGINAL_TOPIC, topic)
        .containsEntry(DeadLetters.ORIGINAL_PARTITION, Integer.toString(poison.partition()))
        .containsEntry(DeadLetters.ORIGINAL_OFFSET, Long.toString(poison.offset()))
        .containsEntry(DeadLetters.REASON, DeadLetters.REASON_HANDLER_FAILED);
  }

  /** A payload for the codec tests. */
  public record Reading(String sensor, int value) {}

  @Test
  void undecodableRecordGoesToTheDeadLetterTopicWithTheReasonInsteadOfACrashLoop()
      throws Exception {
    String topic = newTopic("undecodable", 1);
    EventPublisher<byte[]> raw = track(newPublisher(Codecs.bytes()));
    EventSubscriber<Reading> subscriber =
        track(newSubscriber(Codecs.json(Reading.class), RetryPolicy.ofDefaults()));
    List<Reading> readings = new CopyOnWriteArrayList<>();
    track(subscriber.subscribe(topic, group("g"), e -> readings.add(e.payload())));
    List<Event<byte[]>> deadLetters = new CopyOnWriteArrayList<>();
    track(track(newSubscriber(Codecs.bytes(), RetryPolicy.noRetries()))
        .subscribe(DeadLetters.topicFor(topic), group("dlt"), deadLetters::add));

    raw.publish(topic, "s1", "{not json".getBytes(StandardCharsets.UTF_8));
    raw.publish(topic, "s1", "{\"sensor\":\"s1\",\"value\":7}".getBytes(StandardCharsets.UTF_8));
    raw.flush();

    await().atMost(WAIT).until(() -> readings.size() == 1 && deadLetters.size() == 1);
    assertThat(readings).containsExactly(new Reading("s1", 7));
    Event<byte[]> dead = deadLetters.get(0);
    assertThat(new String(dead.payload(), StandardCharsets.UTF_8)).isEqualTo("{not json");
    assertThat(dead.headers())
        .containsEntry(DeadLetters.REASON, DeadLetters.REASON_UNDECODABLE)
        .containsEntry(DeadLetters.EXCEPTION_CLASS, CodecException.class.getName())
        .containsEntry(DeadLetters.ATTEMPTS, "0")
        .containsEntry(DeadLetters.ORIGINAL_OFFSET, "0");
    assertThat(dead.headers().get(DeadLetters.EXCEPTION_MESSAGE)).contains("cannot decode");
  }

  @Test
  void payloadTheCodecCannotEncodeFailsThePublishAndNothingIsSent() throws Exception {
    String topic = newTopic("unencodable", 1);
    Codec<String> picky = new Codec<>() {
      @Override
      public byte[] encode(String value) {
        if (value.equals("unencodable")) {
          throw CodecException.encodeFailed(typeName(), new IllegalArgumentException("no"));
        }
        return Codecs.utf8().encode(value);
      }

      @Override
      public String decode(byte[] bytes) {
        return Codecs.utf8().decode(bytes);
      }

      @Override
      public String typeName() {
        return "picky string";
      }
    };
    EventPublisher<String> publisher = track(newPublisher(picky));

    CompletableFuture<PublishReceipt> failed = publisher.publish(topic, "k", "unencodable");
    assertThat(failed).failsWithin(WAIT).withThrowableThat()
        .havingCause().isInstanceOf(EventPublishException.class)
        .withMessageContaining(topic).withMessageContaining("could not be encoded")
        .withCauseInstanceOf(CodecException.class);

    PublishReceipt ok = publisher.publish(topic, "k", "ok").get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(ok.offset()).as("nothing was stored before").isZero();
    List<String> received = new CopyOnWriteArrayList<>();
    track(stringSubscriber(RetryPolicy.noRetries())
        .subscribe(topic, group("g"), e -> received.add(e.payload())));
    await().atMost(WAIT).until(() -> received.contains("ok"));
    assertThat(received).containsExactly("ok");
  }

  @Test
  void publishAndForgetStoresTheEventAsPublishWouldAndThrowsWhatIsKnownAtOnce() throws Exception {
    String topic = newTopic("forget", 2);
    EventPublisher<String> publisher = strings();
    List<Event<String>> received = new CopyOnWriteArrayList<>();
    track(stringSubscriber(RetryPolicy.noRetries())
        .subscribe(topic, group("g"), received::add));

    PublishReceipt first = publisher.publish(topic, "order-1", "created")
        .get(WAIT.toSeconds(), TimeUnit.SECONDS);
    publisher.publishAndForget(topic, "order-1", "paid");
    publisher.flush();

    await().atMost(WAIT).until(() -> received.size() == 2);
    Event<String> forgotten = received.get(1);
    assertThat(forgotten.payload()).isEqualTo("paid");
    assertThat(forgotten.key()).isEqualTo("order-1");
    assertThat(forgotten.partition()).as("same key, same partition").isEqualTo(first.partition());
    assertThat(forgotten.offset()).isGreaterThan(first.offset());
    assertThat(forgotten.id()).isNotBlank().isNotEqualTo(first.eventId());
    assertThat(forgotten.timestamp()).isAfterOrEqualTo(first.timestamp());

    assertThatThrownBy(() -> publisher.publishAndForget("bad topic", "k", "v"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("' ' at index 3");
    assertThatThrownBy(() -> publisher.publishAndForget(topic, null, "v"))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("key");
    Codec<String> refusing = new Codec<>() {
      @Override
      public byte[] encode(String value) {
        throw CodecException.encodeFailed(typeName(), new IllegalArgumentException("no"));
      }

      @Override
      public String decode(byte[] bytes) {
        return Codecs.utf8().decode(bytes);
      }

      @Override
      public String typeName() {
        return "refusing string";
      }
    };
    EventPublisher<String> refused = track(newPublisher(refusing));
    assertThatThrownBy(() -> refused.publishAndForget(topic, "k", "v"))
        .isInstanceOf(EventPublishException.class).hasMessageContaining("could not be encoded")
        .hasCauseInstanceOf(CodecException.class);
    publisher.close();
    assertThatThrownBy(() -> publisher.publishAndForget(topic, "k", "late"))
        .isInstanceOf(EventPublishException.class).hasMessageContaining("closed");
    assertThat(received).hasSize(2);
  }

  @Test
  void invalidTopicNamesAreRejectedNamingTheRuleTheyBroke() {
    EventPublisher<String> publisher = strings();
    EventSubscriber<String> subscriber = stringSubscriber(RetryPolicy.noRetries());
    assertThatThrownBy(() -> publisher.publish("", "k", "v"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must not be empty");
    assertThatThrownBy(() -> publisher.publish("orders/eu", "k", "v"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("only ASCII letters, digits, '.', '_' and '-'")
        .hasMessageContaining("'/' at index 6");
    assertThatThrownBy(() -> publisher.publish("..", "k", "v"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'.' or '..'");
    assertThatThrownBy(() -> publisher.publish("x".repeat(250), "k", "v"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at most 249 characters but was 250");
    assertThatThrownBy(() -> subscriber.subscribe("has space", "g", e -> { }))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("' ' at index 3");
    assertThatThrownBy(() -> subscriber.subscribe("fine", " ", e -> { }))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("group must not be blank");
    assertThatThrownBy(() -> publisher.publish("fine", "k", "v", Map.of("layerkit.event-id", "x")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reserved");
  }

  @Test
  void closeFlushesPendingPublishesAndLaterPublishesFail() throws Exception {
    String topic = newTopic("close", 2);
    EventPublisher<String> publisher = newPublisher(Codecs.utf8());
    List<CompletableFuture<PublishReceipt>> futures = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      futures.add(publisher.publish(topic, "k" + (i % 7), "v" + i));
    }
    publisher.close();

    assertThat(futures).allSatisfy(f -> assertThat(f).isCompletedWithValueMatching(
        r -> r.topic().equals(topic)));
    assertThat(publisher.publish(topic, "k", "late")).failsWithin(WAIT).withThrowableThat()
        .havingCause().isInstanceOf(EventPublishException.class).withMessageContaining("closed");
  }
}
