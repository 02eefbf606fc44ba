package dev.layerkit.spring.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.test.servers.TestServers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The Idempotency-Key filter on two instances (real Tomcats) sharing the real Redis: a retry that
 * lands on the other instance gets the stored response, and the order is placed once.
 */
class IdempotencyIT {

  private final String name = "it-" + UUID.randomUUID();
  private final List<ConfigurableApplicationContext> instances = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() {
    for (int i = 0; i < 2; i++) {
      instances.add(new SpringApplicationBuilder(DemoApplication.class)
          .web(WebApplicationType.SERVLET)
          .properties(
              "server.port=0",
              "layerkit.redis.url=" + TestServers.redis().uri(),
              "layerkit.idempotency.paths=/orders/**",
              "layerkit.idempotency.name=" + name)
          .run());
    }
  }

  @AfterEach
  void stop() {
    instances.forEach(ConfigurableApplicationContext::close);
  }

  private HttpResponse<String> post(int instance, String key, String body) throws Exception {
    int port = ((WebServerApplicationContext) instances.get(instance)).getWebServer().getPort();
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/orders"))
        .header("Idempotency-Key", key).header("Content-Type", "text/plain")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void retryOnTheOtherInstanceIsReplayedAndTheOrderIsPlacedOnce() throws Exception {
    String key = UUID.randomUUID().toString();
    int before = DemoApplication.ORDERS_PLACED.get();

    HttpResponse<String> first = post(0, key, "two apples");
    assertThat(first.statusCode()).isEqualTo(201);
    assertThat(first.body()).isEqualTo("placed two apples");

    HttpResponse<String> retry = post(1, key, "two apples");
    assertThat(retry.statusCode()).isEqualTo(201);
    assertThat(retry.body()).isEqualTo("placed two apples");
    assertThat(retry.headers().firstValue("Location")).isEqualTo(first.headers().firstValue("Location"));
    assertThat(retry.headers().firstValue("Idempotent-Replayed")).hasValue("true");

    HttpResponse<String> reused = post(1, key, "three pears");
    assertThat(reused.statusCode()).isEqualTo(422);
    assertThat(reused.body()).doesNotContain("Exception");

    assertThat(DemoApplication.ORDERS_PLACED.get() - before).isEqualTo(1);
  }
}
