package dev.layerkit.events.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.layerkit.core.codec.Codec;
import dev.layerkit.core.codec.CodecException;
import dev.layerkit.core.codec.Codecs;
import dev.layerkit.core.health.HealthStatus;
import dev.layerkit.events.Event;
import dev.layerkit.events.EventBuses;
import dev.layerkit.events.EventPublishException;
import dev.layerkit.events.EventPublisher;
import dev.layerkit.events.IdempotencyStore;
import dev.layerkit.events.InMemoryEventBus;
import dev.layerkit.events.PublishReceipt;
import dev.layerkit.test.servers.PostgresSchema;
import dev.layerkit.test.servers.TestServers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The outbox on PostgreSQL ({@link TestServers#postgres()}, a schema per test) relaying to the
 * in-memory bus: the event commits and rolls back with the state change, the relay publishes in
 * order and marks rows sent, and a relay killed between publish and mark republishes, with
 * downstream deduplication giving exactly one effect.
 */
class OutboxIT {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private PGSimpleDataSource dataSource;
  private final Outbox<String> outbox = Outbox.builder(Codecs.utf8()).build();
  private final InMemoryEventBus bus = EventBuses.inMemory().partitions(1).build();

  @BeforeEach
  void createSchema(TestInfo info) throws Exception {
    PostgresSchema schema = TestServers.postgres()
        .createSchema("outbox-" + info.getTestMethod().orElseThrow().getName());
    dataSource = new PGSimpleDataSource();
    dataSource.setUrl(schema.jdbcUrl());
    dataSource.setUser(schema.user());
    if (schema.password() != null) {
      dataSource.setPassword(schema.password());
    }
    try (Connection connection = dataSource.getConnection();
        Statement statement = connection.createStatement()) {
      outbox.createTable(connection);
      statement.execute("CREATE TABLE orders (id TEXT PRIMARY KEY, amount INT NOT NULL)");
    }
  }

  @AfterEach
  void closeBus() {
    bus.close();
  }

  private String placeOrder(String id, int amount, boolean commit) throws Exception {
    try (Connection tx = dataSource.getConnection()) {
      tx.setAutoCommit(false);
      try (PreparedStatement insert =
          tx.prepareStatement("INSERT INTO orders (id, amount) VALUES (?, ?)")) {
        insert.setString(1, id);
        insert.setInt(2, amount);
        insert.executeUpdate();
      }
      String eventId = outbox.add(tx, "orders", id, "placed:" + id, Map.of("source", "test"));
      if (commit) {
        tx.commit();
      } else {
        tx.rollback();
      }
      return eventId;
    }
  }

  private int orderCount() throws Exception {
    try (Connection connection = dataSource.getConnection();
        Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery("SELECT count(*) FROM orders")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  @Test
  void theEventCommitsAndRollsBackWithTheStateChangeAndCarriesItsIdToSubscribers()
      throws Exception {
    List<Event<String>> received = new CopyOnWriteArrayList<>();
    bus.subscriber(Codecs.utf8()).subscribe("orders", "g", received::add);
    OutboxRelay relay = outbox.relay(dataSource, bus.publisher(Codecs.bytes())).build();

    placeOrder("rolled-back", 5, false);
    assertThat(orderCount()).isZero();
    assertThat(relay.pending()).isZero();

    String eventId = placeOrder("o-1", 10, true);
    assertThat(orderCount()).isEqualTo(1);
    assertThat(relay.pending()).isEqualTo(1);
    assertThat(relay.relayOnce()).isEqualTo(1);
    assertThat(relay.pending()).isZero();
    assertThat(relay.relayOnce()).as("nothing twice").isZero();

    await().atMost(WAIT).until(() -> received.size() == 1);
    Event<String> event = received.get(0);
    assertThat(event.id()).isEqualTo(eventId);
    assertThat(event.key()).isEqualTo("o-1");
    assertThat(event.payload()).isEqualTo("placed:o-1");
    assertThat(event.headers()).containsEntry("source", "test");
    assertThat(relay.healthCheck().check().status()).isEqualTo(HealthStatus.UP);
  }

  @Test
  void theRelayPublishesInSeqOrderAcrossPassesAndMarksRowsSent() throws Exception {
    List<String> received = new CopyOnWriteArrayList<>();
    bus.subscriber(Codecs.utf8()).subscribe("orders", "g", e -> received.add(e.key()));
    for (int i = 0; i < 50; i++) {
      placeOrder("o-" + i, i, true);
    }
    OutboxRelay relay = outbox.relay(dataSource, bus.publisher(Codecs.bytes()))
        .batchSize(20).build();

    assertThat(relay.relayOnce()).isEqualTo(20);
    assertThat(relay.relayOnce()).isEqualTo(20);
    assertThat(relay.relayOnce()).isEqualTo(10);
    assertThat(relay.pending()).isZero();

    await().atMost(WAIT).until(() -> received.size() == 50);
    for (int i = 0; i < 50; i++) {
      assertThat(received.get(i)).isEqualTo("o-" + i);
    }
  }

  @Test
  void theBackgroundRelayPublishesNewRowsByItself() throws Exception {
    List<String> received = new CopyOnWriteArrayList<>();
    bus.subscriber(Codecs.utf8()).subscribe("orders", "g", e -> received.add(e.key()));
    try (OutboxRelay relay = outbox.relay(dataSource, bus.publisher(Codecs.bytes()))
        .pollInterval(Duration.ofMillis(20)).build()) {
      relay.start();
      placeOrder("o-1", 1, true);
      placeOrder("o-2", 2, true);
      await().atMost(WAIT).until(() -> received.size() == 2);
      assertThat(received).containsExactly("o-1", "o-2");
      assertThatThrownBy(relay::start).isInstanceOf(IllegalStateException.class);
    }
  }

  /** Publishes, waits until the event is stored, then "dies" on the {@code killAt}-th event. */
  private static final class DyingPublisher implements EventPublisher<byte[]> {
    private final EventPublisher<byte[]> delegate;
    private final int killAt;
    private final AtomicInteger published = new AtomicInteger();

    DyingPublisher(EventPublisher<byte[]> delegate, int killAt) {
      this.delegate = delegate;
      this.killAt = killAt;
    }

    @Override
    public CompletableFuture<PublishReceipt> publish(
        String topic, String key, byte[] payload, Map<String, String> headers) {
      throw new UnsupportedOperationException();
    }

    @Override
    public CompletableFuture<PublishReceipt> publishWithId(String eventId, Instant timestamp,
        String topic, String key, byte[] payload, Map<String, String> headers) {
      CompletableFuture<PublishReceipt> receipt =
          delegate.publishWithId(eventId, timestamp, topic, key, payload, headers);
      receipt.join();
      if (published.incrementAndGet() == killAt) {
        throw new IllegalStateException("relay killed after publishing, before marking");
      }
      return receipt;
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  }

  @Test
  void aRelayKilledBetweenPublishAndMarkLeadsToARepublishAndDedupGivesOneEffect()
      throws Exception {
    ConcurrentMap<String, AtomicInteger> deliveries = new ConcurrentHashMap<>();
    ConcurrentMap<String, AtomicInteger> effects = new ConcurrentHashMap<>();
    IdempotencyStore store = IdempotencyStore.inMemory();
    bus.subscriber(Codecs.utf8()).subscribe("orders", "billing", event -> {
      deliveries.computeIfAbsent(event.key(), k -> new AtomicInteger()).incrementAndGet();
      store.<String>idempotent(e -> effects.computeIfAbsent(e.key(), k -> new AtomicInteger())
          .incrementAndGet(), Duration.ofHours(1)).handle(event);
    });
    for (int i = 0; i < 10; i++) {
      placeOrder("o-" + i, i, true);
    }
    OutboxRelay dying =
        outbox.relay(dataSource, new DyingPublisher(bus.publisher(Codecs.bytes()), 4)).build();

    assertThatThrownBy(dying::relayOnce).hasMessageContaining("relay killed");
    assertThat(dying.pending()).as("nothing was marked").isEqualTo(10);
    assertThat(dying.healthCheck().check().status()).isEqualTo(HealthStatus.DOWN);

    OutboxRelay restarted = outbox.relay(dataSource, bus.publisher(Codecs.bytes())).build();
    assertThat(restarted.relayOnce()).isEqualTo(10);
    assertThat(restarted.pending()).isZero();

    await().atMost(WAIT).until(() -> effects.size() == 10
        && deliveries.values().stream().mapToInt(AtomicInteger::get).sum() == 14);
    for (int i = 0; i < 10; i++) {
      assertThat(deliveries.get("o-" + i).get()).as("deliveries of o-" + i).isEqualTo(i < 4 ? 2 : 1);
      assertThat(effects.get("o-" + i).get()).as("effects of o-" + i).isEqualTo(1);
    }
  }

  @Test
  void aPayloadTheCodecCannotEncodeFailsTheAddAndWritesNothing() throws Exception {
    Codec<String> failing = new Codec<>() {
      @Override
      public byte[] encode(String value) {
        throw CodecException.encodeFailed(typeName(), new IllegalArgumentException("no"));
      }

      @Override
      public String decode(byte[] bytes) {
        return "";
      }

      @Override
      public String typeName() {
        return "failing";
      }
    };
    Outbox<String> picky = Outbox.builder(failing).build();
    try (Connection tx = dataSource.getConnection()) {
      assertThatThrownBy(() -> picky.add(tx, "orders", "k", "v"))
          .isInstanceOf(EventPublishException.class).hasMessageContaining("could not be encoded");
    }
    assertThat(outbox.relay(dataSource, bus.publisher(Codecs.bytes())).build().pending()).isZero();
  }

  @Test
  void buildersRejectBadNamesAndValues() {
    assertThatThrownBy(() -> Outbox.builder(Codecs.utf8()).table("drop table; --"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'drop table; --'");
    assertThatThrownBy(() -> outbox.relay(dataSource, bus.publisher(Codecs.bytes())).batchSize(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("batchSize must be >= 1 but was 0");
    try (Connection tx = dataSource.getConnection()) {
      assertThatThrownBy(() -> outbox.add(tx, "bad topic", "k", "v"))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("' ' at index 3");
    } catch (java.sql.SQLException e) {
      throw new AssertionError(e);
    }
  }
}
