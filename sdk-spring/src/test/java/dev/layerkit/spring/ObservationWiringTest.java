package dev.layerkit.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.layerkit.cache.CacheAside;
import dev.layerkit.core.codec.Codecs;
import dev.layerkit.events.EventPublisher;
import dev.layerkit.service.ServiceClient;
import dev.layerkit.service.idempotency.Idempotency;
import dev.layerkit.service.idempotency.IdempotentResponse;
import dev.layerkit.service.idempotency.RequestFingerprint;
import dev.layerkit.spring.cache.LayerkitCacheAutoConfiguration;
import dev.layerkit.spring.events.EventsAutoConfiguration;
import dev.layerkit.spring.idempotency.IdempotencyAutoConfiguration;
import dev.layerkit.spring.service.ServiceClientAutoConfiguration;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.test.util.ReflectionTestUtils;

/**
 * An {@link ObservationRegistry} bean (what Spring Boot defines with Actuator) reaches the blocks
 * the starter builds, so their observations go to the application's handlers; without one, the
 * blocks observe into {@link ObservationRegistry#NOOP}.
 */
class ObservationWiringTest {

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(LayerkitCacheAutoConfiguration.class, EventsAutoConfiguration.class,
          ServiceClientAutoConfiguration.class))
      .withUserConfiguration(Caching.class);

  @Test
  void aCacheLoadIsObservedInTheApplicationsRegistry() {
    runner.withUserConfiguration(Observations.class).run(context -> {
      TestObservationRegistry registry = context.getBean(TestObservationRegistry.class);
      Cache prices = context.getBean(CacheManager.class).getCache("prices");
      assertThat(prices.get("sku-1", () -> "42")).isEqualTo("42");
      TestObservationRegistryAssert.assertThat(registry)
          .hasObservationWithNameEqualTo("layerkit.cache.load").that().hasBeenStarted().hasBeenStopped();
    });
  }

  @Test
  void aPublishIsObservedInTheApplicationsRegistry() {
    runner.withUserConfiguration(Observations.class).run(context -> {
      TestObservationRegistry registry = context.getBean(TestObservationRegistry.class);
      @SuppressWarnings("unchecked")
      EventPublisher<Object> publisher = context.getBean(EventPublisher.class);
      publisher.publish("observed-orders", "k", "placed").get(10, TimeUnit.SECONDS);
      TestObservationRegistryAssert.assertThat(registry)
          .hasObservationWithNameEqualTo("layerkit.events.publish").that().hasBeenStarted().hasBeenStopped();
    });
  }

  @Test
  void anIdempotentExecutionIsObservedInTheApplicationsRegistry() {
    new WebApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(IdempotencyAutoConfiguration.class))
        .withUserConfiguration(Observations.class)
        .withPropertyValues("layerkit.idempotency.paths=/orders/**")
        .run(context -> {
          TestObservationRegistry registry = context.getBean(TestObservationRegistry.class);
          Idempotency idempotency = context.getBean(Idempotency.class);
          idempotency.execute("key-1",
              RequestFingerprint.of("POST", "/orders", "{}".getBytes(StandardCharsets.UTF_8)),
              () -> IdempotentResponse.of(201, "created"));
          TestObservationRegistryAssert.assertThat(registry)
              .hasObservationWithNameEqualTo("layerkit.idempotency").that().hasBeenStarted().hasBeenStopped();
        });
  }

  @Test
  void aServiceCallIsObservedInTheApplicationsRegistry() throws Exception {
    HttpServer upstream = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    upstream.createContext("/stock/1", exchange -> {
      byte[] body = "7".getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    upstream.start();
    try {
      runner.withUserConfiguration(Observations.class)
          .withPropertyValues("layerkit.services.inventory.endpoints=127.0.0.1:" + upstream.getAddress().getPort())
          .run(context -> {
            TestObservationRegistry registry = context.getBean(TestObservationRegistry.class);
            ServiceClient client = context.getBean("inventoryServiceClient", ServiceClient.class);
            assertThat(client.get("/stock/1", Codecs.json(Integer.class))).isEqualTo(7);
            TestObservationRegistryAssert.assertThat(registry)
                .hasObservationWithNameEqualTo("layerkit.service.call").that().hasBeenStarted().hasBeenStopped();
          });
    } finally {
      upstream.stop(0);
    }
  }

  @Test
  void withoutARegistryBeanTheBlocksObserveIntoNoop() {
    runner.run(context -> {
      assertThat(context).doesNotHaveBean(ObservationRegistry.class);
      CacheAside<?, ?> aside = (CacheAside<?, ?>) context.getBean(CacheManager.class).getCache("prices").getNativeCache();
      assertThat(ReflectionTestUtils.getField(aside, "observations")).isSameAs(ObservationRegistry.NOOP);
    });
  }

  @Configuration(proxyBeanMethods = false)
  @EnableCaching
  static class Caching {}

  @Configuration(proxyBeanMethods = false)
  static class Observations {
    @Bean
    TestObservationRegistry observationRegistry() {
      return TestObservationRegistry.create();
    }
  }
}
