package dev.layerkit.events.outbox;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.layerkit.core.codec.Codec;
import dev.layerkit.core.codec.Codecs;
import dev.layerkit.core.internal.BuilderSettings;
import dev.layerkit.core.time.TimeSource;
import dev.layerkit.events.EventPublishException;
import dev.layerkit.events.EventPublisher;
import dev.layerkit.events.internal.EventHeaders;
import dev.layerkit.events.internal.EventIds;
import dev.layerkit.events.internal.EventObservations;
import dev.layerkit.events.internal.TopicNames;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * The write side of the transactional outbox on PostgreSQL: {@link #add} inserts an event into the
 * outbox table through the caller's connection, inside the caller's transaction, so that the state
 * change and its event commit or roll back together. An {@link OutboxRelay} then publishes the
 * committed rows (Debezium's outbox pattern, without the CDC connector).
 *
 * <p>Table ({@link #createTable}): {@code seq BIGSERIAL} (the relay's order), {@code event_id}
 * (unique; the id the published event carries, so a republish is recognisably the same event),
 * {@code topic}, {@code event_key}, {@code headers JSONB}, {@code payload BYTEA} (the codec's
 * bytes), {@code created_at_ms} and {@code sent_at} (null until the relay marks the row).
 *
 * <p>Delivery is at least once: a relay that dies after publishing and before marking republishes
 * the rows with the same event ids, so consumers deduplicate with an {@link
 * dev.layerkit.events.IdempotencyStore}.
 *
 * <p>MongoDB variant (not built here): the event must be written to an outbox collection in the
 * same multi-document transaction as the state change, which MongoDB supports only on a replica set
 * or sharded cluster (not a standalone server, and not {@code mongo-java-server}); the session must
 * use {@code readConcern("snapshot")} and {@code writeConcern("majority")}; order comes from a
 * monotonic field (an {@code ObjectId} is only roughly ordered across processes, so a counter
 * document updated in the same transaction is safer); and the relay either polls the collection
 * the same way or tails a change stream filtered on inserts, resuming from its stored resume token.
 *
 * <p>Thread-safe; the outbox holds no connection of its own.
 *
 * <pre>{@code
 * Outbox<OrderPlaced> outbox = Outbox.builder(Codecs.json(OrderPlaced.class)).build();
 * try (Connection tx = dataSource.getConnection()) {
 *   tx.setAutoCommit(false);
 *   orders.insert(tx, order);
 *   outbox.add(tx, "orders", order.id(), new OrderPlaced(order));
 *   tx.commit();
 * }
 * OutboxRelay relay = outbox.relay(dataSource, kafkaBytesPublisher).build();
 * relay.start();
 * }</pre>
 *
 * @param <T> the payload type
 */
public final class Outbox<T> {

  /** The default table name: {@value}. */
  public static final String DEFAULT_TABLE = "layerkit_outbox";

  private static final Pattern TABLE_NAME =
      Pattern.compile("([a-z_][a-z0-9_]*\\.)?[a-z_][a-z0-9_]*");
  static final Codec<Map<String, String>> HEADERS =
      Codecs.json(new TypeReference<Map<String, String>>() {});

  private final Codec<T> codec;
  private final String table;
  private final TimeSource time;
  private final ObservationRegistry observations;

  private Outbox(Builder<T> builder) {
    this.codec = builder.codec;
    this.table = builder.table;
    this.time = builder.time;
    this.observations = builder.observations;
  }

  /**
   * Returns a builder.
   *
   * @param codec the payload codec
   * @param <T> the payload type
   * @return a builder
   * @throws NullPointerException if {@code codec} is null
   */
  public static <T> Builder<T> builder(Codec<T> codec) {
    return new Builder<>(codec);
  }

  /**
   * Returns the outbox table's name.
   *
   * @return the table
   */
  public String table() {
    return table;
  }

  /**
   * Creates the outbox table and its index of unsent rows, unless they exist.
   *
   * @param connection a connection (auto-commit or inside a migration's transaction)
   * @throws SQLException if the database refuses
   */
  public void createTable(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute("CREATE TABLE IF NOT EXISTS " + table + " ("
          + "seq BIGSERIAL PRIMARY KEY, "
          + "event_id TEXT NOT NULL UNIQUE, "
          + "topic TEXT NOT NULL, "
          + "event_key TEXT NOT NULL, "
          + "headers JSONB NOT NULL, "
          + "payload BYTEA NOT NULL, "
          + "created_at_ms BIGINT NOT NULL, "
          + "sent_at TIMESTAMPTZ)");
      statement.execute("CREATE INDEX IF NOT EXISTS " + table.replace('.', '_') + "_unsent ON "
          + table + " (seq) WHERE sent_at IS NULL");
    }
  }

  /**
   * Adds an event without headers; see {@link #add(Connection, String, String, Object, Map)}.
   *
   * @param transaction the caller's connection, normally with auto-commit off
   * @param topic the topic, a legal topic name
   * @param key the key
   * @param payload the payload
   * @return the event's id
   * @throws SQLException if the insert fails (the caller's transaction should roll back)
   * @throws EventPublishException if the payload cannot be encoded; nothing was written
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code topic} is not a legal topic name
   */
  public String add(Connection transaction, String topic, String key, T payload)
      throws SQLException {
    return add(transaction, topic, key, payload, Map.of());
  }

  /**
   * Inserts an event into the outbox table through {@code transaction}; it becomes visible to the
   * relay when the caller commits, and vanishes if the caller rolls back.
   *
   * @param transaction the caller's connection, normally with auto-commit off
   * @param topic the topic, a legal topic name
   * @param key the key
   * @param payload the payload
   * @param headers application headers
   * @return the event's id, which the published event will carry
   * @throws SQLException if the insert fails (the caller's transaction should roll back)
   * @throws EventPublishException if the payload cannot be encoded; nothing was written
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code topic} is not a legal topic name or a header name is
   *     reserved
   */
  public String add(Connection transaction, String topic, String key, T payload,
      Map<String, String> headers) throws SQLException {
    Objects.requireNonNull(transaction, "transaction");
    TopicNames.check(topic);
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(payload, "payload");
    EventHeaders.checkApplicationHeaders(Objects.requireNonNull(headers, "headers"));
    byte[] bytes;
    try {
      bytes = codec.encode(payload);
    } catch (RuntimeException e) {
      throw EventPublishException.encodeFailed(topic, e);
    }
    String eventId = EventIds.newId();
    // The row's headers carry the trace context (traceparent) for the relay to continue.
    EventObservations.Propagated traced =
        EventObservations.send(observations, EventObservations.OUTBOX_ADD, topic, headers);
    Map<String, String> rowHeaders = traced == null ? headers : traced.headers();
    Observation observation = traced == null ? Observation.NOOP : traced.observation();
    try (PreparedStatement insert = transaction.prepareStatement("INSERT INTO " + table
        + " (event_id, topic, event_key, headers, payload, created_at_ms)"
        + " VALUES (?, ?, ?, ?::jsonb, ?, ?)")) {
      insert.setString(1, eventId);
      insert.setString(2, topic);
      insert.setString(3, key);
      insert.setString(4, new String(HEADERS.encode(rowHeaders), StandardCharsets.UTF_8));
      insert.setBytes(5, bytes);
      insert.setLong(6, time.epochMillis());
      insert.executeUpdate();
    } catch (SQLException | RuntimeException e) {
      EventObservations.stop(observation, e);
      throw e;
    }
    EventObservations.stop(observation, null);
    return eventId;
  }

  /**
   * Returns a builder of the relay that publishes this outbox's rows.
   *
   * @param dataSource where the relay takes its connections
   * @param publisher a publisher of the encoded payloads ({@code Codecs.bytes()}), on any backend
   * @return a relay builder
   * @throws NullPointerException if an argument is null
   */
  public OutboxRelay.Builder relay(DataSource dataSource, EventPublisher<byte[]> publisher) {
    return new OutboxRelay.Builder(table, Objects.requireNonNull(dataSource, "dataSource"),
        Objects.requireNonNull(publisher, "publisher"), observations);
  }

  /**
   * Builds an {@link Outbox}. Each setting may be given once. Not thread-safe.
   *
   * @param <T> the payload type
   */
  public static final class Builder<T> {

    private final BuilderSettings settings = new BuilderSettings();
    private final Codec<T> codec;
    private String table = DEFAULT_TABLE;
    private TimeSource time = TimeSource.system();
    private ObservationRegistry observations = ObservationRegistry.NOOP;

    private Builder(Codec<T> codec) {
      this.codec = Objects.requireNonNull(codec, "codec");
    }

    /**
     * Sets the table's name, optionally schema-qualified.
     *
     * @param table lower-case letters, digits and {@code _}, e.g. {@code orders.outbox}
     * @return this builder
     * @throws NullPointerException if {@code table} is null
     * @throws IllegalArgumentException if it is not such a name
     * @throws IllegalStateException if already set
     */
    public Builder<T> table(String table) {
      Objects.requireNonNull(table, "table");
      settings.requireUnset("table", this.table);
      if (!TABLE_NAME.matcher(table).matches()) {
        throw new IllegalArgumentException("table must be an unquoted lower-case identifier, "
            + "optionally schema-qualified ([a-z_][a-z0-9_]*), but was '" + table + "'");
      }
      this.table = table;
      return this;
    }

    /**
     * Sets the clock of the rows' {@code created_at_ms} and the published events' time.
     *
     * @param timeSource the clock
     * @return this builder
     * @throws NullPointerException if {@code timeSource} is null
     * @throws IllegalStateException if already set
     */
    public Builder<T> timeSource(TimeSource timeSource) {
      settings.requireUnset("timeSource", this.time);
      this.time = Objects.requireNonNull(timeSource, "timeSource");
      return this;
    }

    /**
     * Sets where the outbox is observed: {@code layerkit.outbox.add} per row added (a producer
     * span, child of the caller's current observation, whose W3C {@code traceparent} is stored in
     * the row's headers) and, in its relays, {@code layerkit.outbox.relay} per row published (a
     * consumer span continuing the row's context, parent of the publisher's {@code
     * layerkit.events.publish}). So one trace runs from the request that wrote the row to the
     * subscriber's handler. {@link ObservationRegistry#NOOP} by default.
     *
     * @param observationRegistry the registry, with the tracer's handlers registered on it
     * @return this builder
     * @throws NullPointerException if {@code observationRegistry} is null
     * @throws IllegalStateException if already set
     */
    public Builder<T> observationRegistry(ObservationRegistry observationRegistry) {
      settings.requireUnset("observationRegistry", this.observations);
      this.observations = Objects.requireNonNull(observationRegistry, "observationRegistry");
      return this;
    }

    /**
     * Builds the outbox.
     *
     * @return the outbox
     */
    public Outbox<T> build() {
      return new Outbox<>(this);
    }
  }
}
