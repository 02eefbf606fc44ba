package dev.layerkit.spring.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.layerkit.core.health.Health;
import dev.layerkit.core.health.HealthStatus;
import dev.layerkit.spring.cache.LayerkitCacheManager;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;
import org.springframework.context.ConfigurableApplicationContext;
import redis.embedded.RedisServer;

/**
 * Two application contexts with a tiered cache ({@code layerkit.cache.backend=tiered}) whose Redis
 * is not up when they start: they start, readiness is DOWN naming Redis, {@code @Cacheable} runs
 * the method; once a private redis-server comes up on that port (never the shared one), readiness
 * is UP and a put or an evict in one context reaches the other's local tier as an invalidation
 * message, without a restart.
 */
class TieredCacheRedisDownAtStartIT {

  private RedisServer server;
  private final List<ConfigurableApplicationContext> contexts = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void stop() throws IOException {
    contexts.forEach(ConfigurableApplicationContext::close);
    if (server != null) {
      server.stop();
    }
  }

  private HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private ConfigurableApplicationContext start(WebApplicationType web, int redisPort, String prefix) {
    ConfigurableApplicationContext context = new SpringApplicationBuilder(DemoApplication.class)
        .web(web)
        .properties(
            "server.port=0",
            "layerkit.redis.url=redis://127.0.0.1:" + redisPort,
            "layerkit.cache.backend=tiered",
            "layerkit.cache.key-prefix=" + prefix,
            "layerkit.cache.redis-timeout=2s",
            "layerkit.cache.caches.prices.ttl=10m",
            // Only an invalidation message can drop a local copy within this test.
            "layerkit.cache.caches.prices.local-ttl=10m",
            "management.endpoint.health.probes.enabled=true",
            "management.endpoint.health.show-details=always",
            "management.endpoint.health.group.readiness.show-details=always")
        .run();
    contexts.add(context);
    return context;
  }

  @Test
  void startsWithoutRedisServesFromTheMethodThenInvalidatesAcrossContextsOnceRedisIsUp() throws Exception {
    int redisPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      redisPort = socket.getLocalPort();
    }
    String prefix = "it:" + UUID.randomUUID() + ":tiered:";
    ConfigurableApplicationContext a = start(WebApplicationType.SERVLET, redisPort, prefix);
    ConfigurableApplicationContext b = start(WebApplicationType.NONE, redisPort, prefix);
    int port = ((WebServerApplicationContext) a).getWebServer().getPort();
    assertThat(a.getBean(CacheManager.class)).isInstanceOf(LayerkitCacheManager.class);
    DemoApplication.PriceService pricesA = a.getBean(DemoApplication.PriceService.class);
    DemoApplication.PriceService pricesB = b.getBean(DemoApplication.PriceService.class);

    HttpResponse<String> notReady = get(port, "/actuator/health/readiness");
    assertThat(notReady.statusCode()).isEqualTo(503);
    assertThat(notReady.body()).contains("\"status\":\"DOWN\"")
        .contains("not connected to Redis (127.0.0.1:" + redisPort)
        .contains("not subscribed to the invalidation channel");
    assertThat(get(port, "/actuator/health/liveness").statusCode()).isEqualTo(200);

    // Redis down: every call runs the method (nothing can be cached where others would see it).
    int loads = DemoApplication.PRICE_LOADS.get();
    assertThat(pricesA.price("down-sku")).isEqualTo("price-of-down-sku");
    assertThat(pricesA.price("down-sku")).isEqualTo("price-of-down-sku");
    assertThat(DemoApplication.PRICE_LOADS.get()).as("the cache reads through to the method").isEqualTo(loads + 2);

    server = RedisServer.newRedisServer().port(redisPort).bind("127.0.0.1").build();
    server.start();

    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
      HttpResponse<String> ready = get(port, "/actuator/health/readiness");
      assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
      assertThat(ready.body()).doesNotContain("not subscribed to the invalidation channel");
    });
    // Both caches subscribed, and their Redis breakers (opened by the outage) closed again by the
    // calls made here: until then a write may be dropped, which is the Redis cache's fail mode.
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
      for (ConfigurableApplicationContext context : contexts) {
        context.getBean(DemoApplication.PriceService.class).price("warm-up");
        Health health = context.getBean(LayerkitCacheManager.class).healthChecks().get(0).check();
        assertThat(health.status()).as(health.toString()).isEqualTo(HealthStatus.UP);
      }
    });

    // A loads once; B reads the value from Redis without loading, into its local tier.
    String sku = "sku-" + UUID.randomUUID();
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
      int before = DemoApplication.PRICE_LOADS.get();
      assertThat(pricesA.price(sku)).isEqualTo("price-of-" + sku);
      assertThat(pricesB.price(sku)).isEqualTo("price-of-" + sku);
      assertThat(DemoApplication.PRICE_LOADS.get()).as("B's call is a Redis hit").isLessThanOrEqualTo(before + 1);
    });
    // B answers from its local tier now: with the Redis entry deleted behind its back, it still
    // does not run the method. The invalidation A's put published reaches B asynchronously and may
    // drop the copy B has just taken from Redis (an extra load, never a stale read); B's own load
    // then stores it again, so the next attempt finds it in B's local tier.
    RedisClient raw = RedisClient.create("redis://127.0.0.1:" + redisPort);
    try (StatefulRedisConnection<String, String> admin = raw.connect()) {
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
        List<String> keys = admin.sync().keys(prefix + "*");
        if (!keys.isEmpty()) {
          admin.sync().del(keys.toArray(new String[0]));
        }
        int afterLoad = DemoApplication.PRICE_LOADS.get();
        assertThat(pricesB.price(sku)).isEqualTo("price-of-" + sku);
        assertThat(DemoApplication.PRICE_LOADS.get()).as("a local hit in B").isEqualTo(afterLoad);
        assertThat(admin.sync().keys(prefix + "*")).as("B's hit did not go to Redis").isEmpty();
      });
    } finally {
      raw.shutdown();
    }

    // A write in A: B's local copy (good for 10 minutes) is dropped by the message only.
    Cache pricesCacheA = a.getBean(CacheManager.class).getCache("prices");
    pricesCacheA.put(sku, "new-price");
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
        .untilAsserted(() -> assertThat(pricesB.price(sku)).isEqualTo("new-price"));

    // An evict in A: B runs the method again.
    int beforeEvict = DemoApplication.PRICE_LOADS.get();
    pricesCacheA.evict(sku);
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
        .untilAsserted(() -> assertThat(pricesB.price(sku)).isEqualTo("price-of-" + sku));
    assertThat(DemoApplication.PRICE_LOADS.get()).as("B loaded after A's evict").isEqualTo(beforeEvict + 1);
  }
}
