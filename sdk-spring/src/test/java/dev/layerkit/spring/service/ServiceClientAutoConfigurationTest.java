package dev.layerkit.spring.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.layerkit.core.codec.Codecs;
import dev.layerkit.gateway.lb.Endpoint;
import dev.layerkit.gateway.lb.EndpointSource;
import dev.layerkit.service.ServiceClient;
import dev.layerkit.spring.internal.LayerkitPropertiesFailureAnalyzer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** Service clients from properties, calling a real HTTP server on loopback. */
class ServiceClientAutoConfigurationTest {

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(ServiceClientAutoConfiguration.class));

  private HttpServer server;
  private final AtomicInteger calls = new AtomicInteger();

  @BeforeEach
  void startUpstream() throws Exception {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/stock/1", exchange -> {
      calls.incrementAndGet();
      byte[] body = "7".getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
  }

  @AfterEach
  void stopUpstream() {
    server.stop(0);
  }

  @Test
  void configuredServiceIsANamedClientBeanThatCallsItsEndpoints() {
    runner.withPropertyValues("layerkit.services.inventory.endpoints=127.0.0.1:" + server.getAddress().getPort(),
            "layerkit.services.inventory.deadline=10s")
        .run(context -> {
          ServiceClient client = context.getBean("inventoryServiceClient", ServiceClient.class);
          assertThat(context.getBean(ServiceClients.class).get("inventory")).isSameAs(client);
          assertThat(client.serviceName()).isEqualTo("inventory");
          assertThat(client.get("/stock/1", Codecs.json(Integer.class))).isEqualTo(7);
          assertThat(calls).hasValue(1);
        });
  }

  @Test
  void badEndpointsAreReportedWithTheirProperties() {
    runner.withPropertyValues("layerkit.services.inventory.endpoints=inventory",
            "layerkit.services.payments.deadline=-1s")
        .run(context -> {
          assertThat(context).hasFailed();
          String description = new LayerkitPropertiesFailureAnalyzer().analyze(context.getStartupFailure())
              .getDescription();
          assertThat(description)
              .contains("layerkit.services[inventory].endpoints[0] = inventory: 'inventory' is not host:port")
              .contains("layerkit.services[payments].endpoints = []: neither endpoints nor dns-host is set")
              .contains("layerkit.services[payments].deadline");
        });
  }

  @Test
  void anApplicationClientBeanOfTheNameWins() {
    ServiceClient own = ServiceClient.builder("inventory")
        .endpointSource(EndpointSource.of(List.of(Endpoint.of("127.0.0.1", server.getAddress().getPort()))))
        .build();
    runner.withBean("inventoryServiceClient", ServiceClient.class, () -> own)
        .withPropertyValues("layerkit.services.inventory.endpoints=127.0.0.1:1")
        .run(context -> {
          assertThat(context.getBean("inventoryServiceClient")).isSameAs(own);
          assertThat(context.getBean(ServiceClients.class).get("inventory")).isSameAs(own);
        });
  }

  @Test
  void withoutServicesThereAreNoClients() {
    runner.run(context -> assertThat(context.getBean(ServiceClients.class).names()).isEmpty());
  }
}
