package dev.layerkit.spring.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.cache.CacheAside;
import dev.layerkit.test.servers.TestServers;
import dev.layerkit.spring.cache.LayerkitCacheManager;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cache.CacheManager;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Two application contexts (two "instances") sharing the real Redis: {@code @Cacheable(sync =
 * true)} loads a key once for 64 concurrent callers spread over both, through CacheAside's
 * single flight in each and the Redis lease lock between them.
 */
class CacheableAcrossInstancesIT {

  private final String prefix = "it:" + UUID.randomUUID() + ":cache:";
  private final List<ConfigurableApplicationContext> instances = new ArrayList<>();

  @BeforeEach
  void start() {
    for (int i = 0; i < 2; i++) {
      instances.add(new SpringApplicationBuilder(DemoApplication.class)
          .web(WebApplicationType.NONE)
          .properties(
              "layerkit.redis.url=" + TestServers.redis().uri(),
              "layerkit.cache.backend=redis",
              "layerkit.cache.key-prefix=" + prefix,
              "layerkit.cache.lock-wait=30s",
              // A loaded 2-core machine: a lock call that timed out would load without the lock.
              "layerkit.cache.redis-timeout=5s",
              "layerkit.cache.caches.prices.ttl=10m",
              "layerkit.cache.caches.prices.ttl-jitter-percent=10")
          .run());
    }
  }

  @AfterEach
  void stop() {
    instances.forEach(ConfigurableApplicationContext::close);
  }

  @Test
  void sixtyFourCallersOverTwoInstancesRunTheCachedMethodOnce() throws Exception {
    List<DemoApplication.PriceService> services = new ArrayList<>();
    for (ConfigurableApplicationContext instance : instances) {
      assertThat(instance.getBean(CacheManager.class)).isInstanceOf(LayerkitCacheManager.class);
      services.add(instance.getBean(DemoApplication.PriceService.class));
    }
    String sku = "sku-" + UUID.randomUUID();
    int before = DemoApplication.PRICE_LOADS.get();
    ExecutorService pool = Executors.newFixedThreadPool(64);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<String>> results = new ArrayList<>();
      for (int i = 0; i < 64; i++) {
        DemoApplication.PriceService service = services.get(i % 2);
        results.add(pool.submit(() -> {
          start.await();
          return service.price(sku);
        }));
      }
      start.countDown();
      for (Future<String> result : results) {
        assertThat(result.get(60, TimeUnit.SECONDS)).isEqualTo("price-of-" + sku);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(DemoApplication.PRICE_LOADS.get() - before).as("loads over both instances").isEqualTo(1);

    // Both instances read the one value from Redis afterwards, without loading.
    for (ConfigurableApplicationContext instance : instances) {
      @SuppressWarnings("unchecked")
      CacheAside<String, Object> aside =
          (CacheAside<String, Object>) instance.getBean(CacheManager.class).getCache("prices").getNativeCache();
      assertThat(aside.get(sku, key -> "loaded again")).isEqualTo("price-of-" + sku);
    }
  }
}
