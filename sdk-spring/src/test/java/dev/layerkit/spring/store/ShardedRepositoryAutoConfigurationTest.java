package dev.layerkit.spring.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.spring.internal.LayerkitPropertiesFailureAnalyzer;
import dev.layerkit.store.EntityDescriptor;
import dev.layerkit.store.Repositories;
import dev.layerkit.store.sharding.ShardedRepository;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Sharded repositories from properties: absent, backed off and every property error. */
class ShardedRepositoryAutoConfigurationTest {

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(ShardedRepositoryAutoConfiguration.class));

  @Test
  void withoutRepositoriesThereAreNone() {
    runner.run(context -> {
      assertThat(context).hasNotFailed();
      assertThat(context.getBean(ShardedRepositories.class).names()).isEmpty();
      assertThat(context).doesNotHaveBean(ShardedRepository.class);
    });
  }

  @Test
  void withoutTheStoreOnTheClassPathTheConfigurationIsOff() {
    runner.withClassLoader(new FilteredClassLoader(ShardedRepository.class))
        .withPropertyValues("layerkit.repositories.orders.shards[0].data-source=db")
        .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(ShardedRepositories.class));
  }

  @Test
  void anApplicationRepositoryBeanOfTheNameWins() {
    runner.withUserConfiguration(OwnRepository.class)
        .withPropertyValues("layerkit.repositories.orders.shards[0].data-source=missing")
        .run(context -> {
          assertThat(context).hasNotFailed();
          assertThat(context.getBean("ordersRepository")).isSameAs(context.getBean(OwnRepository.class).own);
          assertThat(context.getBean(ShardedRepositories.class).names())
              .as("the starter builds nothing for a name the application owns").isEmpty();
        });
  }

  @Test
  void everyBadPropertyIsReportedAtOnceWithItsFix() {
    runner.withPropertyValues(
            "layerkit.repositories.orders.table=Orders-Table",
            "layerkit.repositories.orders.shards[0].data-source=a",
            "layerkit.repositories.orders.shards[0].jdbc-url=jdbc:postgresql://h/db",
            "layerkit.repositories.orders.shards[1].jdbc-url=jdbc:mysql://h/db",
            "layerkit.repositories.orders.shards[2].data-source=b",
            "layerkit.repositories.orders.shards[2].user=app",
            "layerkit.repositories.orders.shards[2].schema=Bad-Schema",
            "layerkit.repositories.orders.scatter-timeout=-1s",
            "layerkit.repositories.empty.descriptor=x")
        .run(context -> {
          assertThat(context).hasFailed();
          String description = new LayerkitPropertiesFailureAnalyzer().analyze(context.getStartupFailure())
              .getDescription();
          assertThat(description)
              .contains("layerkit.repositories[orders].table = Orders-Table: 'Orders-Table' is not a table name")
              .contains("layerkit.repositories[orders].shards[0]")
              .contains("names more than one of data-source, jdbc-url and mongo-database")
              .contains("layerkit.repositories[orders].shards[1].jdbc-url = jdbc:mysql://h/db: 'jdbc:mysql://h/db' is not a PostgreSQL JDBC URL")
              .contains("layerkit.repositories[orders].shards[2].user = app: is only for jdbc-url")
              .contains("layerkit.repositories[orders].shards[2].schema = Bad-Schema")
              .contains("layerkit.repositories[orders].scatter-timeout = PT-1S: must not be negative")
              .contains("layerkit.repositories[empty].shards = []: a sharded repository needs at least one shard");
        });
  }

  @Test
  void aShardNamingADataSourceThatIsNoBeanFailsNamingTheProperty() {
    runner.withUserConfiguration(Descriptor.class)
        .withPropertyValues("layerkit.repositories.orders.shards[0].data-source=nowhere")
        .run(context -> {
          assertThat(context).hasFailed();
          assertThat(context.getStartupFailure()).rootCause()
              .hasMessageContaining("layerkit.repositories.orders.shards[0].data-source")
              .hasMessageContaining("no DataSource bean is named 'nowhere'");
        });
  }

  @Test
  void withoutADescriptorBeanTheStartFailsSayingWhatToDefine() {
    runner.withPropertyValues("layerkit.repositories.orders.shards[0].jdbc-url=jdbc:postgresql://127.0.0.1:1/none")
        .run(context -> {
          assertThat(context).hasFailed();
          assertThat(context.getStartupFailure()).rootCause()
              .hasMessageContaining("layerkit.repositories.orders.descriptor")
              .hasMessageContaining("no EntityDescriptor bean is defined");
        });
  }

  @Configuration(proxyBeanMethods = false)
  static class Descriptor {
    @Bean
    EntityDescriptor<String, Order> orderDescriptor() {
      return Order.DESCRIPTOR;
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnRepository {
    final ShardedRepository<String, Order> own =
        Repositories.sharded(List.of(Repositories.inMemory(Order.DESCRIPTOR).build())).build();

    @Bean
    ShardedRepository<String, Order> ordersRepository() {
      return own;
    }
  }
}
