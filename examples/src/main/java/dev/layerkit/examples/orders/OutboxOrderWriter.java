package dev.layerkit.examples.orders;

import dev.layerkit.core.codec.Codecs;
import dev.layerkit.core.observation.ObservationTags;
import dev.layerkit.events.EventPublisher;
import dev.layerkit.events.outbox.Outbox;
import dev.layerkit.events.outbox.OutboxRelay;
import dev.layerkit.store.Repository;
import dev.layerkit.store.StoreException;
import dev.layerkit.store.jdbc.JdbcRepository;
import dev.layerkit.store.sharding.ShardedRepository;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * The transactional outbox on PostgreSQL: the order row and its event row commit in one
 * transaction of the order's shard database; {@link OutboxRelay} publishes the events in order and
 * marks them sent. A crash between publishing and marking publishes again with the same event id,
 * which the consumers' idempotency store deduplicates. (MongoDB would need multi-document
 * transactions on a replica set for the same guarantee; the example's MongoDB mode publishes after
 * the write instead.)
 */
final class OutboxOrderWriter implements OrderWriter {

  private final ShardedRepository<String, Order> orders;
  private final Outbox<OrderEvent> outbox;
  private final OutboxRelay relay;
  private final String topic;
  private final ObservationRegistry observations;

  /** The observation of one order transaction on a shard's database. */
  static final String TRANSACTION_OBSERVATION = "orders.store.transaction";

  OutboxOrderWriter(ShardedRepository<String, Order> orders, DataSource dataSource, String table,
      EventPublisher<byte[]> publisher, String topic, ObservationRegistry observations) {
    this.orders = orders;
    this.topic = topic;
    this.observations = observations;
    // The outbox row carries the request's trace context; the relay's publish continues it.
    this.outbox = Outbox.builder(Codecs.json(OrderEvent.class)).table(table)
        .observationRegistry(observations).build();
    try (Connection connection = dataSource.getConnection()) {
      outbox.createTable(connection);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create the outbox table " + table + ": " + e.getMessage(), e);
    }
    this.relay = outbox.relay(dataSource, publisher).build();
    relay.start();
  }

  OutboxRelay relay() {
    return relay;
  }

  @Override
  public boolean insert(Order order) {
    return orders.insertIfAbsent(order);
  }

  @Override
  public Order save(Order order, @Nullable OrderEvent changed) {
    JdbcRepository<String, Order> shard = jdbc(orders.shardOf(order));
    return inTransaction(shard, connection -> {
      Order saved = shard.save(connection, order);
      if (changed != null) {
        outbox.add(connection, topic, changed.customerId(), changed);
      }
      return saved;
    });
  }

  private interface Work<R> {
    R run(Connection connection) throws SQLException;
  }

  /**
   * Runs one shard transaction under its observation ({@value #TRANSACTION_OBSERVATION}, current
   * while it runs, so the outbox row's {@code layerkit.outbox.add} is its child): the writes go
   * to the shard's table directly, past the sharded repository's own observation.
   */
  @SuppressWarnings("try") // the scope makes the observation current; the body need not name it
  private <R> R inTransaction(JdbcRepository<String, Order> shard, Work<R> work) {
    if (observations.isNoop()) {
      return transaction(shard, work);
    }
    Observation observation = Observation.createNotStarted(TRANSACTION_OBSERVATION, observations)
        .lowCardinalityKeyValue("shard", shard.name()).start();
    Throwable failure = null;
    try (Observation.Scope scope = observation.openScope()) {
      return transaction(shard, work);
    } catch (RuntimeException e) {
      failure = e;
      observation.error(e);
      throw e;
    } finally {
      observation.lowCardinalityKeyValue(ObservationTags.OUTCOME,
          failure == null ? ObservationTags.SUCCESS : ObservationTags.ERROR).stop();
    }
  }

  private static <R> R transaction(JdbcRepository<String, Order> shard, Work<R> work) {
    try (Connection connection = shard.dataSource().getConnection()) {
      connection.setAutoCommit(false);
      try {
        R result = work.run(connection);
        connection.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        connection.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw new StoreException("order transaction failed: " + e.getMessage(), e);
    }
  }

  @SuppressWarnings("unchecked")
  private static JdbcRepository<String, Order> jdbc(Repository<String, Order> shard) {
    if (!(shard instanceof JdbcRepository<?, ?>)) {
      throw new IllegalStateException("the outbox needs PostgreSQL shards but got " + shard);
    }
    return (JdbcRepository<String, Order>) shard;
  }

  @Override
  public void close() {
    relay.close();
  }
}
