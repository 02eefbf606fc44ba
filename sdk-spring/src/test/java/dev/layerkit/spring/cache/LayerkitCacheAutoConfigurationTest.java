package dev.layerkit.spring.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.cache.CacheAside;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.cache.autoconfigure.CacheAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;
import org.springframework.cache.annotation.CacheEvict;
import org.springframework.cache.annotation.CachePut;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.cache.concurrent.ConcurrentMapCacheManager;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

class LayerkitCacheAutoConfigurationTest {

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(LayerkitCacheAutoConfiguration.class, CacheAutoConfiguration.class));

  @Test
  void withCachingEnabledTheCacheManagerIsLayerkitsInMemory() {
    runner.withUserConfiguration(Caching.class)
        .withPropertyValues("layerkit.cache.caches.orders.ttl=10m")
        .run(context -> {
          CacheManager manager = context.getBean(CacheManager.class);
          assertThat(manager).isInstanceOf(LayerkitCacheManager.class);
          assertThat(manager.getCacheNames()).containsExactly("orders");
          assertThat(((LayerkitCacheManager) manager).backend().name()).isEqualTo("MEMORY");
          Cache orders = manager.getCache("orders");
          assertThat(orders.getNativeCache()).isInstanceOf(CacheAside.class);
        });
  }

  @Test
  void withoutEnableCachingThereIsNoCacheManager() {
    runner.run(context -> assertThat(context).doesNotHaveBean(CacheManager.class));
  }

  @Test
  void applicationCacheManagerWins() {
    runner.withUserConfiguration(Caching.class, OwnManager.class)
        .run(context -> assertThat(context.getBean(CacheManager.class)).isInstanceOf(ConcurrentMapCacheManager.class));
  }

  @Test
  void disabledLeavesCachingToSpringBoot() {
    runner.withUserConfiguration(Caching.class).withPropertyValues("layerkit.cache.enabled=false")
        .run(context -> assertThat(context.getBean(CacheManager.class)).isNotInstanceOf(LayerkitCacheManager.class));
  }

  @Test
  void redisBackendWithoutRedisFailsTheStartNamingTheProperty() {
    runner.withUserConfiguration(Caching.class).withPropertyValues("layerkit.cache.backend=tiered")
        .run(context -> {
          assertThat(context).hasFailed();
          assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("layerkit.cache.backend")
              .hasMessageContaining("no Redis is configured");
        });
  }

  @Test
  void notDynamicOnlyKnowsListedCaches() {
    runner.withUserConfiguration(Caching.class)
        .withPropertyValues("layerkit.cache.dynamic=false", "layerkit.cache.caches.orders.ttl=1m")
        .run(context -> {
          CacheManager manager = context.getBean(CacheManager.class);
          assertThat(manager.getCache("orders")).isNotNull();
          assertThat(manager.getCache("other")).isNull();
        });
  }

  @Test
  void springCacheOperationsGoThroughCacheAside() {
    runner.withUserConfiguration(Caching.class).run(context -> {
      Cache cache = context.getBean(CacheManager.class).getCache("things");
      assertThat(cache.get("a")).isNull();
      cache.put("a", "A");
      assertThat(cache.get("a").get()).isEqualTo("A");
      assertThat(cache.get("a", String.class)).isEqualTo("A");
      assertThat(cache.get("b", () -> "B")).isEqualTo("B");
      assertThat(cache.get("b", () -> "not called")).isEqualTo("B");
      cache.evict("a");
      assertThat(cache.get("a")).isNull();
      cache.put("a", "A2");
      assertThat(cache.get("a", () -> "not called")).as("a put replaces the value").isEqualTo("A2");
      cache.clear();
      assertThat(cache.get("a")).isNull();
      assertThat(cache.get("b")).isNull();
    });
  }

  @Test
  void cachePutAndCacheEvictAllEntriesWorkOnLayerkitCaches() {
    runner.withUserConfiguration(Caching.class, PricesConfiguration.class).run(context -> {
      Prices prices = context.getBean(Prices.class);
      assertThat(prices.price("a")).isEqualTo("a-1");
      assertThat(prices.price("a")).isEqualTo("a-1");
      prices.update("a", "a-new");
      assertThat(prices.price("a")).as("@CachePut stored the new value").isEqualTo("a-new");
      prices.price("b");
      prices.clearAll();
      assertThat(prices.price("a")).as("@CacheEvict(allEntries) cleared the cache").isEqualTo("a-3");
      assertThat(prices.price("b")).isEqualTo("b-4");
    });
  }

  @Configuration(proxyBeanMethods = false)
  static class PricesConfiguration {
    @Bean
    Prices prices() {
      return new Prices();
    }
  }

  static class Prices {
    private final AtomicInteger loads = new AtomicInteger();

    @Cacheable(cacheNames = "prices", sync = true)
    public String price(String sku) {
      return sku + "-" + loads.incrementAndGet();
    }

    @CachePut(cacheNames = "prices", key = "#p0")
    public String update(String sku, String price) {
      return price;
    }

    @CacheEvict(cacheNames = "prices", allEntries = true)
    public void clearAll() {}
  }

  @Test
  void sixtyFourConcurrentSyncCacheableCallsOfOneKeyRunTheMethodOnce() {
    runner.withUserConfiguration(Caching.class, SlowConfiguration.class).run(context -> {
      Slow slow = context.getBean(Slow.class);
      ExecutorService pool = Executors.newFixedThreadPool(64);
      try {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<String>> results = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
          results.add(pool.submit(() -> {
            start.await();
            return slow.load("k");
          }));
        }
        start.countDown();
        for (Future<String> result : results) {
          assertThat(result.get(60, TimeUnit.SECONDS)).isEqualTo("value-of-k");
        }
      } finally {
        pool.shutdownNow();
      }
      assertThat(slow.calls()).isEqualTo(1);
    });
  }

  @Configuration(proxyBeanMethods = false)
  @EnableCaching
  static class Caching {}

  @Configuration(proxyBeanMethods = false)
  static class OwnManager {
    @Bean
    CacheManager cacheManager() {
      return new ConcurrentMapCacheManager();
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class SlowConfiguration {
    @Bean
    Slow slow() {
      return new Slow();
    }
  }

  /** Proxied by Spring's caching: state is read through methods, which reach the target. */
  static class Slow {
    private final AtomicInteger calls = new AtomicInteger();

    public int calls() {
      return calls.get();
    }

    @Cacheable(cacheNames = "slow", sync = true)
    public String load(String key) throws InterruptedException {
      calls.incrementAndGet();
      Thread.sleep(200); // holds the load open so that the other callers pile up behind it
      return "value-of-" + key;
    }
  }
}
