package dev.layerkit.examples.orders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The whole order system on embedded backends and free ports, driven through the gateway. */
class OrderSystemIT {

  private static final int RATE = 40;

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private final ObjectMapper json = new ObjectMapper();
  private OrderSystem system;

  @BeforeEach
  void start() {
    system = OrderSystem.start(OrderSystemOptions.embeddedOnFreePorts().withRatePerSecond(RATE));
  }

  @AfterEach
  void stop() {
    system.close();
  }

  private HttpResponse<String> call(String method, String path, String body, String... headers)
      throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(system.gatewayUri().resolve(path))
        .timeout(Duration.ofSeconds(10))
        .header("X-API-Key", system.apiKey())
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    if (headers.length > 0) {
      request.headers(headers);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode place(String customer, String idempotencyKey) throws Exception {
    HttpResponse<String> response = call("POST", "/api/orders",
        "{\"customerId\":\"" + customer + "\",\"items\":[{\"sku\":\"sku-mouse\",\"quantity\":2}]}",
        "Idempotency-Key", idempotencyKey);
    assertThat(response.statusCode()).as(response.body()).isIn(200, 201);
    return json.readTree(response.body());
  }

  @Test
  void theOrderScenarioWorksEndToEndThroughTheGateway() throws Exception {
    // Without the key: 401 from the gateway.
    HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(
        system.gatewayUri().resolve("/api/catalog")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(anonymous.statusCode()).isEqualTo(401);

    // Place three orders for c-7; repeating an Idempotency-Key returns the same order.
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      JsonNode order = place("c-7", "key-" + i);
      assertThat(order.get("totalCents").asLong()).isEqualTo(2 * 2900);
      assertThat(order.get("status").asText()).isEqualTo("PLACED");
      ids.add(order.get("id").asText());
    }
    // The retry gets the stored response: the same 201 and order, marked as replayed.
    HttpResponse<String> replay = call("POST", "/api/orders",
        "{\"customerId\":\"c-7\",\"items\":[{\"sku\":\"sku-mouse\",\"quantity\":2}]}",
        "Idempotency-Key", "key-1");
    assertThat(replay.statusCode()).isEqualTo(201);
    assertThat(replay.headers().firstValue("idempotent-replayed")).hasValue("true");
    assertThat(replay.headers().firstValue("location")).hasValue("/orders/" + ids.get(1));
    assertThat(json.readTree(replay.body()).get("id").asText()).isEqualTo(ids.get(1));
    // The key with another body: 422, and no order.
    HttpResponse<String> reused = call("POST", "/api/orders",
        "{\"customerId\":\"c-7\",\"items\":[{\"sku\":\"sku-mouse\",\"quantity\":5}]}",
        "Idempotency-Key", "key-1");
    assertThat(reused.statusCode()).as(reused.body()).isEqualTo(422);
    assertThat(reused.headers().firstValue("content-type")).hasValue("application/problem+json");

    // Bad input: 400 naming the fields.
    HttpResponse<String> invalid = call("POST", "/api/orders",
        "{\"customerId\":\"c-7\",\"items\":[{\"sku\":\"sku-nope\",\"quantity\":0}]}");
    assertThat(invalid.statusCode()).as(invalid.body()).isEqualTo(400);
    assertThat(json.readTree(invalid.body()).get("fields").fieldNames()).toIterable()
        .containsExactlyInAnyOrder("items[0].sku", "items[0].quantity");

    // Read one back twice: the second read is a cache hit.
    long hitsBefore = system.cache().stats().hits();
    for (int i = 0; i < 2; i++) {
      HttpResponse<String> read = call("GET", "/api/orders/" + ids.get(0), null);
      assertThat(read.statusCode()).isEqualTo(200);
      assertThat(json.readTree(read.body()).get("id").asText()).isEqualTo(ids.get(0));
    }
    assertThat(system.cache().stats().hits()).isGreaterThan(hitsBefore);
    HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(
        system.adminUri().resolve("/metrics")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(metrics.body()).contains("layerkit_cache");

    // Page the customer's orders, newest first, two at a time.
    JsonNode first = json.readTree(call("GET", "/api/customers/c-7/orders?limit=2", null).body());
    assertThat(first.get("orders")).hasSize(2);
    String cursor = first.get("next").asText();
    JsonNode second = json.readTree(
        call("GET", "/api/customers/c-7/orders?limit=2&before=" + cursor, null).body());
    assertThat(second.get("orders")).hasSize(1);
    assertThat(second.get("next").isNull()).isTrue();
    List<String> paged = new ArrayList<>();
    first.get("orders").forEach(order -> paged.add(order.get("id").asText()));
    second.get("orders").forEach(order -> paged.add(order.get("id").asText()));
    assertThat(paged).containsExactlyInAnyOrderElementsOf(ids);

    // A status change is visible on the next read (the cache was invalidated).
    HttpResponse<String> paid = call("PATCH", "/api/orders/" + ids.get(0), "{\"status\":\"PAID\"}");
    assertThat(paid.statusCode()).isEqualTo(200);
    assertThat(json.readTree(call("GET", "/api/orders/" + ids.get(0), null).body())
        .get("status").asText()).isEqualTo("PAID");

    // The dashboard counts what was placed.
    JsonNode dashboard = await().atMost(Duration.ofSeconds(10))
        .until(() -> json.readTree(call("GET", "/api/dashboard", null).body()),
            body -> body.get("ordersPlaced").asLong() >= 3);
    assertThat(dashboard.get("ordersPlaced").asLong()).isEqualTo(3);
    long perMinute = 0;
    for (JsonNode minute : dashboard.get("ordersPerMinute")) {
      perMinute += minute.get("orders").asLong();
    }
    assertThat(perMinute).isEqualTo(3);
    assertThat(dashboard.get("health").get("status").asText()).isEqualTo("UP");

    // Past the per-key limit: 429 with Retry-After.
    HttpResponse<String> limited = null;
    for (int i = 0; i < RATE * 10 && limited == null; i++) {
      HttpResponse<String> response = call("GET", "/api/catalog", null);
      if (response.statusCode() == 429) {
        limited = response;
      } else {
        assertThat(response.statusCode()).isEqualTo(200);
      }
    }
    assertThat(limited).as("a 429 within " + RATE * 10 + " requests").isNotNull();
    assertThat(limited.headers().firstValue("retry-after")).isPresent();
  }

  @Test
  void killingAnOrderServiceInstanceFailsNoGets() throws Exception {
    system.close();
    system = OrderSystem.start(OrderSystemOptions.embeddedOnFreePorts().withRatePerSecond(100_000));
    String id = place("c-3", "kill-test").get("id").asText();
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger ok = new AtomicInteger();
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    ExecutorService clients = Executors.newFixedThreadPool(4);
    List<Future<?>> load = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      load.add(clients.submit(() -> {
        while (running.get()) {
          try {
            HttpResponse<String> response = call("GET", i(ok) % 2 == 0 ? "/api/orders/" + id : "/api/catalog", null);
            if (response.statusCode() == 200) {
              ok.incrementAndGet();
            } else {
              failures.add(response.statusCode() + " " + response.body());
            }
          } catch (Exception e) {
            failures.add(e.toString());
          }
        }
        return null;
      }));
    }
    try {
      awaitCount(ok, 300);
      system.killService(0);
      int atKill = ok.get();
      awaitCount(ok, atKill + 600);
    } finally {
      running.set(false);
      for (Future<?> future : load) {
        future.get();
      }
      clients.shutdownNow();
    }
    assertThat(failures).as("failed GETs").isEmpty();
  }

  private static int i(AtomicInteger counter) {
    return counter.get();
  }

  private static void awaitCount(AtomicInteger counter, int target) {
    await().atMost(Duration.ofSeconds(60)).until(() -> counter.get() >= target);
  }

}
