package dev.layerkit.service;

import dev.layerkit.core.codec.Codec;
import dev.layerkit.service.saga.Saga;
import dev.layerkit.service.saga.SagaRecord;
import dev.layerkit.store.Repositories;
import dev.layerkit.store.Repository;
import dev.layerkit.store.jdbc.JdbcRepository;
import javax.sql.DataSource;

/**
 * The entry point for {@link Saga}s and the repositories that keep their state: factory, then
 * builder, then block.
 *
 * <table>
 *   <caption>Where saga state lives</caption>
 *   <tr><th>factory</th><th>resumed by</th><th>needs</th></tr>
 *   <tr><td>{@link #inMemoryRepository()}</td><td>this process only (tests, one node)</td>
 *       <td>nothing</td></tr>
 *   <tr><td>{@link #postgresRepository(DataSource)}</td><td>any instance sharing the database</td>
 *       <td>{@code org.postgresql:postgresql}</td></tr>
 *   <tr><td>any {@code Repository<String, SagaRecord>} made with {@link SagaRecord#descriptor()}
 *       (MongoDB, sharded)</td><td>any instance sharing it</td><td>its driver</td></tr>
 * </table>
 *
 * <pre>{@code
 * JdbcRepository<String, SagaRecord> state = Sagas.postgresRepository(dataSource).build();
 * Saga<PlaceOrder> placeOrder = Sagas.builder("place-order", state, Codecs.json(PlaceOrder.class))
 *     .step("reserve-stock", c -> inventory.reserve(c.stepKey()), c -> inventory.release(c.stepKey()))
 *     .step("charge", c -> payments.charge(c.stepKey()), c -> payments.refund(c.stepKey()))
 *     .step("confirm", c -> orders.confirm(c.input().orderId()))
 *     .build();
 * }</pre>
 */
public final class Sagas {

  /** The table {@link #postgresRepository(DataSource)} keeps saga records in. */
  public static final String DEFAULT_TABLE = "layerkit_sagas";

  private Sagas() {}

  /**
   * Starts a saga, the same as {@link Saga#builder}.
   *
   * @param name the saga's name
   * @param repository where its records are kept
   * @param inputCodec encodes the input as UTF-8 text
   * @param <I> the input type
   * @return a builder
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code name} is blank
   */
  public static <I> Saga.Builder<I> builder(String name, Repository<String, SagaRecord> repository,
      Codec<I> inputCodec) {
    return Saga.builder(name, repository, inputCodec);
  }

  /**
   * Returns a new in-memory repository of saga records, named {@code sagas}: sagas survive an
   * instance's failure only within this process.
   *
   * @return the repository
   */
  public static Repository<String, SagaRecord> inMemoryRepository() {
    return Repositories.inMemory(SagaRecord.descriptor()).name("sagas").build();
  }

  /**
   * Starts a PostgreSQL repository of saga records in table {@value #DEFAULT_TABLE}, created if
   * absent. For another table, start from {@code JdbcRepository.builder(SagaRecord.descriptor())}.
   *
   * @param dataSource the connections, owned by the caller
   * @return the repository's builder
   * @throws NullPointerException if {@code dataSource} is null
   */
  public static JdbcRepository.Builder<String, SagaRecord> postgresRepository(DataSource dataSource) {
    return JdbcRepository.builder(SagaRecord.descriptor()).dataSource(dataSource).table(DEFAULT_TABLE);
  }
}
