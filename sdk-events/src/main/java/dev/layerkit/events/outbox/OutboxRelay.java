package dev.layerkit.events.outbox;

import dev.layerkit.core.hash.Hashing;
import dev.layerkit.core.health.Health;
import dev.layerkit.core.health.HealthCheck;
import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import dev.layerkit.core.time.Sleeper;
import dev.layerkit.events.EventPublisher;
import dev.layerkit.events.PublishReceipt;
import dev.layerkit.events.internal.EventObservations;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes an {@link Outbox}'s committed rows in {@code seq} order and marks them sent.
 *
 * <p>One pass ({@link #relayOnce()}) runs in one transaction: it takes a transaction-scoped
 * advisory lock on the table (so that of several relay instances one works at a time and the
 * order holds; the others find the lock taken and do nothing), reads up to {@link
 * Builder#batchSize(int)} unsent rows in order, publishes them all (with their stored event ids,
 * through {@link EventPublisher#publishWithId}), waits for the receipts, marks the rows whose
 * publish succeeded up to the first failure as sent, and commits.
 *
 * <p>Failure: if the relay dies, or the database fails, after publishing and before the commit,
 * the rows stay unsent and the next pass publishes them again with the same event ids: at least
 * once, deduplicated downstream by id. A failed publish leaves its row and every later row of the
 * batch unsent, so they are published again, in order, on the next pass. Order is {@code seq}
 * order; rows of transactions that commit out of {@code seq} order may be published after a later
 * row, so rely on per-key order only where the state change locks its aggregate.
 *
 * <p>{@link #start()} runs passes on a daemon thread: back to back while rows are waiting, every
 * {@link Builder#pollInterval(Duration)} when the table is drained. Thread-safe.
 */
public final class OutboxRelay implements AutoCloseable {

  /** Default rows per pass: {@value}. */
  public static final int DEFAULT_BATCH_SIZE = 500;

  /** Default wait between passes over an empty outbox: 100 ms. */
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofMillis(100);

  /** Default longest wait for the receipts of a pass: 30 s. */
  public static final Duration DEFAULT_PUBLISH_TIMEOUT = Duration.ofSeconds(30);

  private static final Logger LOG = LoggerFactory.getLogger(OutboxRelay.class);

  private final String table;
  private final DataSource dataSource;
  private final EventPublisher<byte[]> publisher;
  private final int batchSize;
  private final Duration pollInterval;
  private final Duration publishTimeout;
  private final Sleeper sleeper;
  private final long lockKey;
  private final ObservationRegistry observations;
  private final AtomicReference<@Nullable Throwable> lastFailure = new AtomicReference<>();
  private volatile boolean running;
  private @Nullable Thread thread;

  private OutboxRelay(Builder builder) {
    this.table = builder.table;
    this.dataSource = builder.dataSource;
    this.publisher = builder.publisher;
    this.batchSize = builder.batchSize;
    this.pollInterval = builder.pollInterval;
    this.publishTimeout = builder.publishTimeout;
    this.sleeper = builder.sleeper;
    this.lockKey = Hashing.hash("layerkit-outbox:" + table);
    this.observations = builder.observations;
  }

  private record Row(long seq, String eventId, String topic, String key, Map<String, String> headers,
      byte[] payload, long createdAtMillis) {}

  /**
   * Runs one pass: publishes up to a batch of unsent rows in order and marks them sent.
   *
   * @return the rows published and marked; 0 if none were waiting or another relay holds the lock
   * @throws SQLException if the database fails; nothing was marked
   * @throws IllegalStateException if the thread was interrupted
   */
  public int relayOnce() throws SQLException {
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(false);
      try {
        int marked = relay(connection);
        connection.commit();
        lastFailure.set(null);
        return marked;
      } catch (SQLException | RuntimeException e) {
        lastFailure.set(e);
        connection.rollback();
        throw e;
      }
    }
  }

  private int relay(Connection connection) throws SQLException {
    try (PreparedStatement lock = connection.prepareStatement("SELECT pg_try_advisory_xact_lock(?)")) {
      lock.setLong(1, lockKey);
      try (ResultSet rs = lock.executeQuery()) {
        rs.next();
        if (!rs.getBoolean(1)) {
          return 0;
        }
      }
    }
    List<Row> rows = new ArrayList<>();
    try (PreparedStatement select = connection.prepareStatement("SELECT seq, event_id, topic, "
        + "event_key, headers::text, payload, created_at_ms FROM " + table
        + " WHERE sent_at IS NULL ORDER BY seq LIMIT ?")) {
      select.setInt(1, batchSize);
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          rows.add(new Row(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
              Outbox.HEADERS.decode(rs.getString(5).getBytes(java.nio.charset.StandardCharsets.UTF_8)),
              rs.getBytes(6), rs.getLong(7)));
        }
      }
    }
    if (rows.isEmpty()) {
      return 0;
    }
    List<CompletableFuture<PublishReceipt>> receipts = new ArrayList<>(rows.size());
    for (Row row : rows) {
      // Continues the context the row carries; the publish, made in its scope, is its child.
      Observation observation = EventObservations.receive(observations,
          EventObservations.OUTBOX_RELAY, row.topic(), null, row.headers());
      CompletableFuture<PublishReceipt> receipt;
      try {
        receipt = observation.isNoop() ? publish(row) : publishInScope(observation, row);
      } catch (RuntimeException e) {
        EventObservations.stop(observation, e);
        throw e;
      }
      if (!observation.isNoop()) {
        receipt.whenComplete((stored, error) -> EventObservations.stop(observation, error));
      }
      receipts.add(receipt);
    }
    List<Long> sent = new ArrayList<>();
    long deadline = System.nanoTime() + publishTimeout.toNanos();
    for (int i = 0; i < rows.size(); i++) {
      try {
        receipts.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        sent.add(rows.get(i).seq());
      } catch (ExecutionException | TimeoutException e) {
        LOG.warn("Outbox {}: publishing event {} failed; it and the {} rows after it are published "
            + "again on the next pass", table, rows.get(i).eventId(), rows.size() - i - 1, e);
        lastFailure.set(e);
        break;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while relaying outbox " + table, e);
      }
    }
    if (sent.isEmpty()) {
      return 0;
    }
    try (PreparedStatement mark = connection.prepareStatement(
        "UPDATE " + table + " SET sent_at = now() WHERE seq = ANY(?)")) {
      Array seqs = connection.createArrayOf("bigint", sent.toArray());
      mark.setArray(1, seqs);
      mark.executeUpdate();
    }
    return sent.size();
  }

  private CompletableFuture<PublishReceipt> publish(Row row) {
    return publisher.publishWithId(row.eventId(), Instant.ofEpochMilli(row.createdAtMillis()),
        row.topic(), row.key(), row.payload(), row.headers());
  }

  @SuppressWarnings("try") // the scope makes the observation current; the body need not name it
  private CompletableFuture<PublishReceipt> publishInScope(Observation observation, Row row) {
    try (Observation.Scope scope = observation.openScope()) {
      return publish(row);
    }
  }

  /**
   * Returns the number of rows not yet marked sent.
   *
   * @return the backlog
   * @throws SQLException if the database fails
   */
  public long pending() throws SQLException {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement count = connection.prepareStatement(
            "SELECT count(*) FROM " + table + " WHERE sent_at IS NULL");
        ResultSet rs = count.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /**
   * Starts passes on a daemon thread. Failures are logged and retried after the poll interval.
   *
   * @throws IllegalStateException if already started
   */
  public synchronized void start() {
    if (thread != null) {
      throw new IllegalStateException("the relay of " + table + " is already started");
    }
    running = true;
    Thread t = new Thread(this::loop, "layerkit-outbox-relay-" + table);
    t.setDaemon(true);
    thread = t;
    t.start();
  }

  private void loop() {
    while (running) {
      int relayed = 0;
      try {
        relayed = relayOnce();
      } catch (SQLException | RuntimeException e) {
        LOG.warn("Outbox {}: relay pass failed; retrying in {}", table, pollInterval, e);
      }
      if (relayed == 0 && running) {
        try {
          sleeper.sleep(pollInterval);
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }

  /**
   * Returns a health check named {@code outbox-relay}: DOWN while the last pass failed.
   *
   * @return the health check
   */
  public HealthCheck healthCheck() {
    return HealthCheck.of("outbox-relay", () -> {
      Throwable failure = lastFailure.get();
      return failure == null ? Health.up().detail("table", table).build()
          : Health.down(failure).detail("table", table).build();
    });
  }

  /** Stops the background thread after its current pass. Does not close the publisher. */
  @Override
  public void close() {
    Thread t;
    synchronized (this) {
      running = false;
      t = thread;
    }
    if (t != null) {
      t.interrupt();
      try {
        t.join(publishTimeout.toMillis() + 5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Builds an {@link OutboxRelay}; start from {@link Outbox#relay}. Each setting may be given once.
   * Not thread-safe. */
  public static final class Builder {

    private final BuilderSettings settings = new BuilderSettings();
    private final String table;
    private final DataSource dataSource;
    private final EventPublisher<byte[]> publisher;
    private int batchSize = DEFAULT_BATCH_SIZE;
    private Duration pollInterval = DEFAULT_POLL_INTERVAL;
    private Duration publishTimeout = DEFAULT_PUBLISH_TIMEOUT;
    private Sleeper sleeper = Sleeper.system();
    private final ObservationRegistry observations;

    Builder(String table, DataSource dataSource, EventPublisher<byte[]> publisher,
        ObservationRegistry observations) {
      this.table = table;
      this.dataSource = dataSource;
      this.publisher = publisher;
      this.observations = observations;
    }

    /**
     * Sets the most rows per pass.
     *
     * @param batchSize at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code batchSize} is less than 1
     * @throws IllegalStateException if already set
     */
    public Builder batchSize(int batchSize) {
      settings.requireUnset("batchSize", this.batchSize);
      if (batchSize < 1) {
        throw new IllegalArgumentException("batchSize must be >= 1 but was " + batchSize);
      }
      this.batchSize = batchSize;
      return this;
    }

    /**
     * Sets the wait between passes over an empty outbox.
     *
     * @param pollInterval more than zero
     * @return this builder
     * @throws NullPointerException if {@code pollInterval} is null
     * @throws IllegalArgumentException if it is zero or negative
     * @throws IllegalStateException if already set
     */
    public Builder pollInterval(Duration pollInterval) {
      settings.requireUnset("pollInterval", this.pollInterval);
      this.pollInterval = Arguments.positive(pollInterval, "pollInterval");
      return this;
    }

    /**
     * Sets the longest wait for the receipts of one pass.
     *
     * @param publishTimeout more than zero
     * @return this builder
     * @throws NullPointerException if {@code publishTimeout} is null
     * @throws IllegalArgumentException if it is zero or negative
     * @throws IllegalStateException if already set
     */
    public Builder publishTimeout(Duration publishTimeout) {
      settings.requireUnset("publishTimeout", this.publishTimeout);
      this.publishTimeout = Arguments.positive(publishTimeout, "publishTimeout");
      return this;
    }

    /**
     * Sets how the background thread waits between passes; meant for tests.
     *
     * @param sleeper the sleeper
     * @return this builder
     * @throws NullPointerException if {@code sleeper} is null
     * @throws IllegalStateException if already set
     */
    public Builder sleeper(Sleeper sleeper) {
      settings.requireUnset("sleeper", this.sleeper);
      this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
      return this;
    }

    /**
     * Builds the relay, not yet started.
     *
     * @return the relay
     */
    public OutboxRelay build() {
      return new OutboxRelay(this);
    }
  }
}
