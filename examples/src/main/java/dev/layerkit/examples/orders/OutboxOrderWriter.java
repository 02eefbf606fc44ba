package dev.layerkit.examples.orders;

import dev.layerkit.core.codec.Codecs;
import dev.layerkit.core.observation.ObservationTags;
import dev.layerkit.events.EventPublisher;
import dev.layerkit.events.outbox.Outbox;
import dev.layerkit.events.outbox.OutboxRelay;
import dev.layerkit.service.idempotency.Idempotency;
import dev.layerkit.service.idempotency.IdempotencyOutcome;
import dev.layerkit.service.idempotency.IdempotentResponse;
import dev.layerkit.service.idempotency.RequestFingerprint;
import dev.layerkit.service.idempotency.jdbc.JdbcIdempotencyKeyStore;
import dev.layerkit.store.Repository;
import dev.layerkit.store.StoreException;
import dev.layerkit.store.jdbc.JdbcRepository;
import dev.layerkit.store.sharding.ShardedRepository;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.function.Function;
import javax.sql.DataSource;

/**
 * The transactional outbox on PostgreSQL: the order row and its event row commit in one
 * transaction of the order's shard database; {@link OutboxRelay} publishes the events in order and
 * marks them sent. A crash between publishing and marking publishes again with the same event id,
 * which the consumers' idempotency store deduplicates. (MongoDB would need multi-document
 * transactions on a replica set for the same guarantee; the example's MongoDB mode publishes after
 * the write instead.)
 *
 * <p>A keyed order ({@link #insertOnce}) joins the idempotency key to the same transaction
 * ({@link JdbcIdempotencyKeyStore#joining}): the key's claim, the order row, its outbox row and
 * the stored response commit together or not at all. So a retry finds either nothing (and places
 * the order) or the order with its response (and gets it replayed), never an order without its
 * response or a response without its order, whatever crashes when. The key table must live in the
 * shards' database, which it does here: every shard is a table in the one PostgreSQL database.
 */
final class OutboxOrderWriter implements OrderWriter {

  private final ShardedRepository<String, Order> orders;
  private final Outbox<OrderEvent> outbox;
  private final OutboxRelay relay;
  private final String topic;
  private final Idempotency idempotency;
  private final JdbcIdempotencyKeyStore keys;
  private final ObservationRegistry observations;

  /** The observation of one order transaction on a shard's database. */
  static final String TRANSACTION_OBSERVATION = "orders.store.transaction";

  OutboxOrderWriter(ShardedRepository<String, Order> orders, DataSource dataSource, String table,
      EventPublisher<byte[]> publisher, String topic, Idempotency idempotency, JdbcIdempotencyKeyStore keys,
      ObservationRegistry observations) {
    this.orders = orders;
    this.topic = topic;
    this.idempotency = idempotency;
    this.keys = keys;
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
  public boolean insert(Order order, OrderEvent placed) {
    JdbcRepository<String, Order> shard = jdbc(orders.shardOf(order));
    return inTransaction(shard, connection -> {
      boolean inserted = shard.insertIfAbsent(connection, order);
      if (inserted) {
        outbox.add(connection, topic, placed.customerId(), placed);
      }
      return inserted;
    });
  }

  @Override
  public IdempotencyOutcome insertOnce(String key, RequestFingerprint fingerprint, Order order,
      OrderEvent placed, Function<Order, IdempotentResponse> respond) {
    JdbcRepository<String, Order> shard = jdbc(orders.shardOf(order));
    // A replay, a 409 or a 422 wrote nothing, so committing it is as good as rolling it back; a
    // failed insert releases the claim and rethrows, and inTransaction rolls everything back.
    return inTransaction(shard, connection -> idempotency.using(keys.joining(connection))
        .execute(key, fingerprint, () -> {
          if (!shard.insertIfAbsent(connection, order)) {
            throw new IllegalStateException("order id " + order.id() + " is taken");
          }
          try {
            outbox.add(connection, topic, placed.customerId(), placed);
          } catch (SQLException e) {
            throw new StoreException("cannot add the event of order " + order.id() + " to the outbox: "
                + e.getMessage(), e);
          }
          return respond.apply(order);
        }));
  }

  @Override
  public Order save(Order order, OrderEvent changed) {
    JdbcRepository<String, Order> shard = jdbc(orders.shardOf(order));
    return inTransaction(shard, connection -> {
      Order saved = shard.save(connection, order);
      outbox.add(connection, topic, changed.customerId(), changed);
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
