package dev.layerkit.spring.store;

import com.mongodb.client.MongoClient;
import dev.layerkit.spring.LayerkitProperties;
import dev.layerkit.spring.LayerkitProperties.RepositorySettings;
import dev.layerkit.spring.LayerkitProperties.ShardSettings;
import dev.layerkit.spring.internal.NamedBeansRegistrar;
import dev.layerkit.store.EntityDescriptor;
import dev.layerkit.store.Repository;
import dev.layerkit.store.jdbc.JdbcRepository;
import dev.layerkit.store.mongo.MongoRepository;
import dev.layerkit.store.sharding.ScatterPolicy;
import dev.layerkit.store.sharding.ShardedRepository;
import dev.layerkit.store.sharding.ShardedRepositoryBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.util.ClassUtils;

/**
 * A {@link ShardedRepository} per {@code layerkit.repositories.<name>}, each also a bean named
 * {@code <name>Repository} unless the application defines that bean, which then replaces it.
 * Needs {@code layerkit-store} on the class path; a JDBC shard needs the PostgreSQL driver (and
 * HikariCP for a {@code jdbc-url}), a MongoDB shard {@code mongodb-driver-sync} and a
 * {@code MongoClient} bean.
 *
 * <p>The entities are described by an {@link EntityDescriptor} bean: the one named by
 * {@code descriptor}, or the only one. Tables (and schemas) are created at start if absent; a
 * shard that cannot be reached then fails the start with the repository's and shard's names.
 * Inject a repository by name ({@code @Qualifier("ordersRepository")}) when there are several.
 */
@AutoConfiguration(afterName = {
    "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
    "org.springframework.boot.mongodb.autoconfigure.MongoAutoConfiguration"})
@ConditionalOnClass(ShardedRepository.class)
@EnableConfigurationProperties(LayerkitProperties.class)
@Import(ShardedRepositoryAutoConfiguration.RepositoryBeans.class)
public class ShardedRepositoryAutoConfiguration {

  static final String GENERATED = ShardedRepositoryAutoConfiguration.class.getName() + ".generated";

  /** Created by Spring. */
  public ShardedRepositoryAutoConfiguration() {}

  /**
   * Returns the bean name of a repository.
   *
   * @param name the repository's name
   * @return {@code <name>Repository}
   */
  public static String beanName(String name) {
    return name + "Repository";
  }

  /**
   * The repositories.
   *
   * @param properties the settings
   * @param meters the meter registry, if any
   * @param beanFactory where the descriptors, data sources and Mongo clients are
   * @return the holder
   * @throws InvalidConfigurationPropertyValueException if a bean a property names is missing
   */
  @Bean
  @ConditionalOnMissingBean
  public ShardedRepositories layerkitShardedRepositories(LayerkitProperties properties,
      ObjectProvider<MeterRegistry> meters, ObjectProvider<ObservationRegistry> observations,
      ConfigurableListableBeanFactory beanFactory) {
    Map<String, ShardedRepository<?, ?>> repositories = new LinkedHashMap<>();
    List<AutoCloseable> owned = new ArrayList<>();
    try {
      for (Map.Entry<String, RepositorySettings> entry : properties.getRepositories().entrySet()) {
        String name = entry.getKey();
        String bean = beanName(name);
        if (beanFactory.containsBeanDefinition(bean)
            && beanFactory.getBeanDefinition(bean).getAttribute(GENERATED) == null) {
          continue; // the application's own bean stands for this name
        }
        repositories.put(name, build(name, entry.getValue(), meters.getIfAvailable(), observations.getIfAvailable(),
            beanFactory, owned));
      }
    } catch (RuntimeException e) {
      new ShardedRepositories(repositories, owned).destroy();
      throw e;
    }
    return new ShardedRepositories(repositories, owned);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static ShardedRepository<?, ?> build(String name, RepositorySettings settings, @Nullable MeterRegistry meters,
      @Nullable ObservationRegistry observations, ConfigurableListableBeanFactory beanFactory,
      List<AutoCloseable> owned) {
    String property = "layerkit.repositories." + name;
    EntityDescriptor<Object, Object> descriptor = descriptor(property, settings.getDescriptor(), beanFactory);
    String table = settings.getTable() != null ? settings.getTable() : name;
    List<Repository<Object, Object>> shards = new ArrayList<>();
    List<ShardSettings> shardSettings = settings.getShards();
    for (int i = 0; i < shardSettings.size(); i++) {
      ShardSettings shard = shardSettings.get(i);
      String shardProperty = property + ".shards[" + i + "]";
      String shardName = name + "-shard-" + i;
      if (shard.getMongoDatabase() != null) {
        if (!ClassUtils.isPresent("com.mongodb.client.MongoClient", ShardedRepositoryAutoConfiguration.class.getClassLoader())) {
          throw new InvalidConfigurationPropertyValueException(shardProperty + ".mongo-database",
              shard.getMongoDatabase(), "the MongoDB driver is not on the class path; add org.mongodb:mongodb-driver-sync");
        }
        shards.add(MongoShards.shard(shardProperty, shardName, shard, table, descriptor, beanFactory));
        continue;
      }
      JdbcRepository.Builder<Object, Object> builder = JdbcRepository.builder(descriptor).name(shardName).table(table);
      if (shard.getSchema() != null) {
        builder.schema(shard.getSchema());
      }
      if (shard.getDataSource() != null) {
        builder.dataSource(bean(shardProperty + ".data-source", shard.getDataSource(), DataSource.class, beanFactory));
      } else {
        builder.jdbcUrl(String.valueOf(shard.getJdbcUrl()));
        if (shard.getUser() != null) {
          builder.user(shard.getUser());
        }
        if (shard.getPassword() != null) {
          builder.password(shard.getPassword());
        }
      }
      JdbcRepository<Object, Object> repository = builder.build();
      if (shard.getDataSource() == null) {
        owned.add(repository);
      }
      shards.add(repository);
    }
    ShardedRepositoryBuilder<Object, Object> builder = ShardedRepository.builder(shards)
        .name(name)
        .scatterPolicy(settings.getScatterPolicy() == LayerkitProperties.Scatter.REJECT
            ? ScatterPolicy.REJECT : ScatterPolicy.ALLOW)
        .scatterTimeout(settings.getScatterTimeout())
        .unavailableFor(settings.getUnavailableFor());
    if (meters != null) {
      builder.meterRegistry(meters);
    }
    if (observations != null) {
      builder.observationRegistry(observations);
    }
    return builder.build();
  }

  @SuppressWarnings("unchecked")
  private static EntityDescriptor<Object, Object> descriptor(String property, @Nullable String beanName,
      ConfigurableListableBeanFactory beanFactory) {
    if (beanName != null) {
      return bean(property + ".descriptor", beanName, EntityDescriptor.class, beanFactory);
    }
    String[] names = beanFactory.getBeanNamesForType(EntityDescriptor.class);
    if (names.length != 1) {
      throw new InvalidConfigurationPropertyValueException(property + ".descriptor", null,
          (names.length == 0 ? "no EntityDescriptor bean is defined" : "there are several EntityDescriptor beans "
              + Arrays.toString(names)) + "; define the entities' EntityDescriptor as a bean and name it here");
    }
    return beanFactory.getBean(names[0], EntityDescriptor.class);
  }

  static <T> T bean(String property, String name, Class<T> type, BeanFactory beanFactory) {
    if (!beanFactory.containsBean(name) || !beanFactory.isTypeMatch(name, type)) {
      String[] known = beanFactory instanceof ConfigurableListableBeanFactory listable
          ? listable.getBeanNamesForType(type) : new String[0];
      throw new InvalidConfigurationPropertyValueException(property, name, "no " + type.getSimpleName()
          + " bean is named '" + name + "'; the " + type.getSimpleName() + " beans are " + Arrays.toString(known));
    }
    return beanFactory.getBean(name, type);
  }

  /** Apart, so that the configuration loads without the MongoDB driver. */
  private static final class MongoShards {
    static Repository<Object, Object> shard(String property, String shardName, ShardSettings shard, String collection,
        EntityDescriptor<Object, Object> descriptor, ConfigurableListableBeanFactory beanFactory) {
      MongoClient client;
      if (shard.getMongoClient() != null) {
        client = bean(property + ".mongo-client", shard.getMongoClient(), MongoClient.class, beanFactory);
      } else {
        String[] names = beanFactory.getBeanNamesForType(MongoClient.class);
        if (names.length != 1) {
          throw new InvalidConfigurationPropertyValueException(property + ".mongo-client", null,
              (names.length == 0 ? "no MongoClient bean is defined" : "there are several MongoClient beans "
                  + Arrays.toString(names)) + "; define one (spring-boot-starter-mongodb does) or name it here");
        }
        client = beanFactory.getBean(names[0], MongoClient.class);
      }
      return MongoRepository.builder(descriptor).name(shardName).collection(collection)
          .database(client.getDatabase(String.valueOf(shard.getMongoDatabase()))).build();
    }
  }

  /** Registers a lazy {@code <name>Repository} bean per configured repository the application does not define. */
  @SuppressWarnings("rawtypes")
  static class RepositoryBeans extends NamedBeansRegistrar<ShardedRepository> {

    RepositoryBeans() {
      super("layerkit.repositories", Object.class, ShardedRepository.class, GENERATED,
          ShardedRepositoryAutoConfiguration::beanName,
          (beanFactory, name) -> beanFactory.getBean(ShardedRepositories.class).get(name));
    }
  }
}
