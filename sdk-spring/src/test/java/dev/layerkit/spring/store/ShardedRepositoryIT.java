package dev.layerkit.spring.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.store.EntityDescriptor;
import dev.layerkit.store.Filter;
import dev.layerkit.store.sharding.ShardedRepository;
import dev.layerkit.spring.health.HealthCheckSource;
import dev.layerkit.test.servers.PostgresSchema;
import dev.layerkit.test.servers.TestPostgres;
import dev.layerkit.test.servers.TestServers;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import dev.layerkit.core.health.HealthCheck;
import dev.layerkit.core.health.HealthStatus;

/**
 * A sharded repository over two schemas of the real PostgreSQL: shard 0 in an application
 * {@code DataSource} bean, shard 1 in a pool the starter makes from a JDBC URL and a schema.
 */
class ShardedRepositoryIT {

  private static final TestPostgres POSTGRES = TestServers.postgres();
  private static PostgresSchema first;
  private static PostgresSchema second;

  @BeforeAll
  static void schemas() throws Exception {
    first = POSTGRES.createSchema("starter_shard_a");
    second = POSTGRES.createSchema("starter_shard_b");
  }

  private ApplicationContextRunner runner() {
    ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(ShardedRepositoryAutoConfiguration.class))
        .withUserConfiguration(Application.class)
        .withPropertyValues(
            "layerkit.repositories.orders.shards[0].data-source=shardZeroDataSource",
            "layerkit.repositories.orders.shards[1].jdbc-url=" + POSTGRES.jdbcUrl(),
            "layerkit.repositories.orders.shards[1].user=" + POSTGRES.user(),
            "layerkit.repositories.orders.shards[1].schema=" + second.name());
    return POSTGRES.password() == null ? runner
        : runner.withPropertyValues("layerkit.repositories.orders.shards[1].password=" + POSTGRES.password());
  }

  @Test
  void ordersAreSpreadOverBothSchemasAndReadBackThroughTheRepositoryBean() {
    runner().run(context -> {
      assertThat(context).hasNotFailed();
      Service service = context.getBean(Service.class);
      ShardedRepository<String, Order> orders = service.orders;
      assertThat(orders.shardCount()).isEqualTo(2);
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        String id = "o-" + i;
        ids.add(id);
        orders.save(new Order(id, "c-" + (i % 4), 100 + i, 0));
      }
      assertThat(rows(first.name())).as("shard 0's schema").isBetween(1L, 39L);
      assertThat(rows(first.name()) + rows(second.name())).isEqualTo(40);
      for (String id : ids) {
        assertThat(orders.findById(id)).get().extracting(Order::id).isEqualTo(id);
      }
      assertThat(orders.findAll(Filter.eq("customer", "c-1"))).hasSize(10);
      List<HealthCheck> checks = context.getBean(ShardedRepositories.class).healthChecks();
      assertThat(checks).extracting(HealthCheck::name).containsExactly("orders-shard-0", "orders-shard-1");
      assertThat(checks).allSatisfy(check -> assertThat(check.check().status()).isEqualTo(HealthStatus.UP));
      assertThat(context.getBeansOfType(HealthCheckSource.class)).containsValue(context.getBean(ShardedRepositories.class));
    });
  }

  @Test
  void aSecondContextOnTheSameShardsSeesTheOrders() {
    runner().run(writer -> writer.getBean(Service.class).orders.save(new Order("shared-1", "c", 1, 0)));
    runner().run(reader -> assertThat(reader.getBean(Service.class).orders.findById("shared-1")).isPresent());
  }

  @Test
  void anOperationIsObservedInTheApplicationsObservationRegistry() {
    runner().withBean(TestObservationRegistry.class, TestObservationRegistry::create).run(context -> {
      context.getBean(Service.class).orders.save(new Order("observed-1", "c", 1, 0));
      TestObservationRegistryAssert.assertThat(context.getBean(TestObservationRegistry.class))
          .hasObservationWithNameEqualTo("layerkit.store.operation").that().hasBeenStarted().hasBeenStopped();
    });
  }

  private static long rows(String schema) throws Exception {
    try (Connection connection = POSTGRES.connect(); Statement statement = connection.createStatement();
        ResultSet result = statement.executeQuery("SELECT count(*) FROM " + schema + ".orders")) {
      result.next();
      return result.getLong(1);
    }
  }

  /** An application with its own data source for shard 0 and a service that injects the repository. */
  @Configuration(proxyBeanMethods = false)
  static class Application {
    @Bean
    EntityDescriptor<String, Order> orderDescriptor() {
      return Order.DESCRIPTOR;
    }

    @Bean
    DataSource shardZeroDataSource() {
      PGSimpleDataSource dataSource = new PGSimpleDataSource();
      dataSource.setURL(first.jdbcUrl());
      dataSource.setUser(first.user());
      if (first.password() != null) {
        dataSource.setPassword(first.password());
      }
      return dataSource;
    }

    @Bean
    Service service(@Qualifier("ordersRepository") ShardedRepository<String, Order> orders) {
      return new Service(orders);
    }
  }

  record Service(ShardedRepository<String, Order> orders) {}
}
