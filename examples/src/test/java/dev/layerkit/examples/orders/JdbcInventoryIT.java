package dev.layerkit.examples.orders;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.layerkit.test.Concurrently;
import dev.layerkit.test.servers.PostgresSchema;
import dev.layerkit.test.servers.TestServers;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The PostgreSQL inventory under concurrent reservations and releases of the same products: each
 * transaction takes its stock rows in product order, so none deadlocks, and the stock ends where
 * it started once every reservation is released. (Releases once gave stock back in the order the
 * lines were sent, the reverse of the reservations' product order, and deadlocked under the
 * chaos run's load.)
 */
class JdbcInventoryIT {

  private static final long STOCK = 1_000_000;

  @Test
  void concurrentReservationsAndReleasesOfTheSameProductsNeverDeadlockAndPutEveryUnitBack() throws Exception {
    PostgresSchema schema = TestServers.postgres().createSchema("orders_inventory");
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(schema.jdbcUrl());
    config.setUsername(schema.user());
    if (schema.password() != null) {
      config.setPassword(schema.password());
    }
    config.setMaximumPoolSize(16);
    String namespace = "inv" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
    // Sent as a client sends them: not in product order.
    List<Inventory.Line> lines = List.of(new Inventory.Line("sku-mouse", 1), new Inventory.Line("sku-dock", 2),
        new Inventory.Line("sku-headset", 1));
    AtomicInteger next = new AtomicInteger();
    try (HikariDataSource dataSource = new HikariDataSource(config)) {
      JdbcInventory inventory = new JdbcInventory(dataSource, namespace, new Catalog(), STOCK);

      Concurrently.run(12, () -> {
        for (int i = 0; i < 25; i++) {
          String key = "k-" + next.incrementAndGet();
          assertThat(inventory.reserve(key, lines).status()).isEqualTo(Inventory.Reservation.RESERVED);
          assertThat(inventory.release(key).status()).isEqualTo(Inventory.Reservation.RELEASED);
        }
      });

      assertThat(next.get()).isEqualTo(300);
      assertThat(inventory.available("sku-mouse")).isEqualTo(STOCK);
      assertThat(inventory.available("sku-dock")).isEqualTo(STOCK);
      assertThat(inventory.available("sku-headset")).isEqualTo(STOCK);
    }
  }
}
