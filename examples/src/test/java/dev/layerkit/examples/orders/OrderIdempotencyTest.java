package dev.layerkit.examples.orders;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.layerkit.cache.CacheAside;
import dev.layerkit.cache.Caches;
import dev.layerkit.core.codec.Codecs;
import dev.layerkit.core.resilience.ResiliencePolicy;
import dev.layerkit.core.time.ManualTimeSource;
import dev.layerkit.events.EventBuses;
import dev.layerkit.events.InMemoryEventBus;
import dev.layerkit.infra.HealthRegistry;
import dev.layerkit.service.Sagas;
import dev.layerkit.service.idempotency.Idempotency;
import dev.layerkit.service.idempotency.IdempotencyKeyStores;
import dev.layerkit.store.EntityDescriptor;
import dev.layerkit.store.Filter;
import dev.layerkit.store.Repositories;
import dev.layerkit.store.Repository;
import dev.layerkit.store.StoreException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.jspecify.annotations.Nullable;

/**
 * {@code POST /orders} with an {@code Idempotency-Key}, through one order-service instance's HTTP
 * API on in-memory parts: replay, 422 for another body, 409 while the first runs, release after a
 * failure, and one order from many concurrent requests with one key.
 */
class OrderIdempotencyTest {

  private static final String BODY =
      "{\"customerId\":\"c-3\",\"items\":[{\"sku\":\"sku-mouse\",\"quantity\":2}]}";

  private final ManualTimeSource time = new ManualTimeSource();
  private final InMemoryEventBus bus = EventBuses.inMemory().partitions(2).build();
  private final Repository<String, Order> orders = Repositories.inMemory(
      EntityDescriptor.builder(Order.class, Order::id).version(Order::version, Order::withVersion)
          .codec(Codecs.json(Order.class)).index("customerId").build()).name("orders").build();
  private final AtomicBoolean failNextInsert = new AtomicBoolean();
  private final GatedWriter writer;
  private final PlaceOrderSaga saga;
  private final OrderHttpServer server;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private final ObjectMapper json = new ObjectMapper();

  OrderIdempotencyTest() throws Exception {
    bus.createTopic(OrderService.TOPIC, 2);
    CacheAside<String, Order> cache = CacheAside.<String, Order>builder(
        Caches.<String, Order>inMemory().timeSource(time)).build();
    Idempotency idempotency = Idempotency.builder(IdempotencyKeyStores.inMemory().build())
        .name("orders").timeSource(time).build();
    writer = new GatedWriter(new DirectOrderWriter(failingOnce(orders),
        bus.publisher(Codecs.json(OrderEvent.class)), OrderService.TOPIC));
    saga = new PlaceOrderSaga(orders, cache, writer, new MemoryInventory(new Catalog(), 1000),
        new PaymentService(Repositories.inMemory(PaymentService.CHARGES).build(), 0), Sagas.inMemoryRepository(),
        PlaceOrderSaga.DEFAULT_LEASE, null, io.micrometer.observation.ObservationRegistry.NOOP);
    OrderService service = new OrderService(orders, cache, writer, ResiliencePolicy.builder("reads").build(),
        ResiliencePolicy.builder("writes").build(), new Catalog(), new Customers(), time, idempotency, saga);
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    Dashboard dashboard = new Dashboard(HealthRegistry.builder().build(), () -> cache, meters);
    server = new OrderHttpServer("order-service-test", 0, service, dashboard, new Catalog(), new Customers(),
        new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true), meters);
  }

  /** The orders, whose next insert fails once {@link #failNextInsert} is set. */
  @SuppressWarnings("unchecked")
  private Repository<String, Order> failingOnce(Repository<String, Order> repository) {
    return (Repository<String, Order>) Proxy.newProxyInstance(Repository.class.getClassLoader(),
        new Class<?>[] {Repository.class}, (proxy, method, args) -> {
          if (method.getName().equals("insertIfAbsent") && failNextInsert.getAndSet(false)) {
            throw new StoreException("the shard failed (injected)", null);
          }
          try {
            return method.invoke(repository, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  @AfterEach
  void close() {
    writer.open();
    server.close();
    saga.close();
    bus.close();
  }

  private HttpResponse<String> post(String body, String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + server.port() + "/orders"))
        .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (headers.length > 0) {
      request.headers(headers);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private long ordersOf(String customer) {
    return orders.findAll(Filter.eq("customerId", customer)).size();
  }

  @Test
  void aRetryWithTheSameKeyAndBodyGetsTheStoredResponseAndPlacesNothing() throws Exception {
    HttpResponse<String> first = post(BODY, "Idempotency-Key", "retry-1");
    assertThat(first.statusCode()).as(first.body()).isEqualTo(201);
    assertThat(first.headers().firstValue("Idempotent-Replayed")).isEmpty();

    HttpResponse<String> retry = post(BODY, "Idempotency-Key", "retry-1");

    assertThat(retry.statusCode()).isEqualTo(201);
    assertThat(retry.headers().firstValue("Idempotent-Replayed")).hasValue("true");
    assertThat(retry.headers().firstValue("Location")).isEqualTo(first.headers().firstValue("Location"))
        .hasValueSatisfying(location -> assertThat(location).startsWith("/orders/o-"));
    assertThat(retry.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(retry.body()).isEqualTo(first.body());
    assertThat(json.readTree(retry.body()).get("totalCents").asLong()).isEqualTo(2 * 2900);
    assertThat(ordersOf("c-3")).isEqualTo(1);
    assertThat(writer.inserts.get()).isEqualTo(1);
  }

  @Test
  void aRetryEncodingTheSameOrderDifferentlyIsStillARetry() throws Exception {
    HttpResponse<String> first = post(BODY, "Idempotency-Key", "encoded-1");
    String reordered = "{ \"items\": [ {\"quantity\": 2, \"sku\": \"sku-mouse\"} ],\n  \"customerId\": \"c-3\" }";

    HttpResponse<String> retry = post(reordered, "Idempotency-Key", "encoded-1");

    assertThat(first.statusCode()).isEqualTo(201);
    assertThat(retry.statusCode()).as(retry.body()).isEqualTo(201);
    assertThat(retry.headers().firstValue("Idempotent-Replayed")).hasValue("true");
    assertThat(retry.body()).isEqualTo(first.body());
    assertThat(ordersOf("c-3")).isEqualTo(1);
  }

  @Test
  void theSameKeyWithAnotherBodyIs422AndPlacesNothing() throws Exception {
    assertThat(post(BODY, "Idempotency-Key", "reused-1").statusCode()).isEqualTo(201);

    HttpResponse<String> otherItems = post(BODY.replace("\"quantity\":2", "\"quantity\":3"),
        "Idempotency-Key", "reused-1");
    HttpResponse<String> otherCustomer = post(BODY.replace("c-3", "c-4"), "Idempotency-Key", "reused-1");

    for (HttpResponse<String> reused : List.of(otherItems, otherCustomer)) {
      assertThat(reused.statusCode()).as(reused.body()).isEqualTo(422);
      assertThat(reused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
      assertThat(json.readTree(reused.body()).get("status").asInt()).isEqualTo(422);
    }
    assertThat(ordersOf("c-3")).isEqualTo(1);
    assertThat(ordersOf("c-4")).isZero();
  }

  @Test
  void aRetryWhileTheFirstIsRunningIs409WithRetryAfterThenGetsTheStoredResponse() throws Exception {
    writer.hold();
    ExecutorService client = Executors.newSingleThreadExecutor();
    try {
      Future<HttpResponse<String>> first = client.submit(() -> post(BODY, "Idempotency-Key", "slow-1"));
      assertThat(writer.entered.await(10, TimeUnit.SECONDS)).as("the first request reached the write").isTrue();

      HttpResponse<String> duringFirst = post(BODY, "Idempotency-Key", "slow-1");

      assertThat(duringFirst.statusCode()).as(duringFirst.body()).isEqualTo(409);
      assertThat(duringFirst.headers().firstValue("Retry-After")).hasValue("1");
      assertThat(duringFirst.headers().firstValue("Idempotent-Replayed")).isEmpty();
      writer.open();
      HttpResponse<String> created = first.get(10, TimeUnit.SECONDS);
      assertThat(created.statusCode()).isEqualTo(201);
      HttpResponse<String> afterFirst = post(BODY, "Idempotency-Key", "slow-1");
      assertThat(afterFirst.statusCode()).isEqualTo(201);
      assertThat(afterFirst.headers().firstValue("Idempotent-Replayed")).hasValue("true");
      assertThat(afterFirst.body()).isEqualTo(created.body());
      assertThat(ordersOf("c-3")).isEqualTo(1);
    } finally {
      client.shutdownNow();
    }
  }

  @Test
  void aFailedFirstAttemptReleasesTheKeySoTheRetryPlacesTheOrder() throws Exception {
    failNextInsert.set(true);

    HttpResponse<String> failed = post(BODY, "Idempotency-Key", "flaky-1");
    HttpResponse<String> retry = post(BODY, "Idempotency-Key", "flaky-1");

    assertThat(failed.statusCode()).isEqualTo(503);
    assertThat(retry.statusCode()).as(retry.body()).isEqualTo(201);
    assertThat(retry.headers().firstValue("Idempotent-Replayed")).isEmpty();
    assertThat(ordersOf("c-3")).isEqualTo(1);
    assertThat(failNextInsert).isFalse();
  }

  @Test
  void thirtyTwoConcurrentRequestsWithOneKeyPlaceOneOrderAndTheOthersGetItOr409() throws Exception {
    int threads = 32;
    ExecutorService clients = Executors.newFixedThreadPool(threads);
    try {
      CyclicBarrier start = new CyclicBarrier(threads);
      List<Future<HttpResponse<String>>> answers = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        answers.add(clients.submit(() -> {
          start.await(10, TimeUnit.SECONDS);
          return post(BODY, "Idempotency-Key", "burst-1");
        }));
      }
      int created = 0;
      int replayed = 0;
      int inFlight = 0;
      String body = null;
      for (Future<HttpResponse<String>> answer : answers) {
        HttpResponse<String> response = answer.get(30, TimeUnit.SECONDS);
        if (response.statusCode() == 409) {
          inFlight++;
          assertThat(response.headers().firstValue("Retry-After")).isPresent();
          continue;
        }
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        if (response.headers().firstValue("Idempotent-Replayed").isPresent()) {
          replayed++;
        } else {
          created++;
        }
        assertThat(body == null || body.equals(response.body())).as("every 201 carries the same order").isTrue();
        body = response.body();
      }

      assertThat(created).isEqualTo(1);
      assertThat(created + replayed + inFlight).isEqualTo(threads);
      assertThat(ordersOf("c-3")).isEqualTo(1);
      assertThat(writer.inserts.get()).isEqualTo(1);
    } finally {
      clients.shutdownNow();
    }
  }

  @Test
  void ordersWithoutAKeyArePlacedEachTimeAndABadKeyIs400() throws Exception {
    assertThat(post(BODY).statusCode()).isEqualTo(201);
    assertThat(post(BODY).statusCode()).isEqualTo(201);
    HttpResponse<String> badKey = post(BODY, "Idempotency-Key", "no spaces allowed");

    assertThat(badKey.statusCode()).isEqualTo(400);
    JsonNode fields = json.readTree(badKey.body()).get("fields");
    assertThat(fields.has("Idempotency-Key")).as(badKey.body()).isTrue();
    assertThat(ordersOf("c-3")).isEqualTo(2);
  }

  /** Counts inserted orders, and can hold them inside their claim. */
  private static final class GatedWriter implements OrderWriter {
    private final OrderWriter delegate;
    final AtomicInteger inserts = new AtomicInteger();
    final CountDownLatch entered = new CountDownLatch(1);
    private volatile CountDownLatch gate = new CountDownLatch(0);

    GatedWriter(OrderWriter delegate) {
      this.delegate = delegate;
    }

    /** Holds the next new orders, after their claim and insert (the saga's first step), until {@link #open()}. */
    void hold() {
      gate = new CountDownLatch(1);
    }

    void open() {
      gate.countDown();
    }

    @Override
    public boolean insert(Order order) {
      boolean inserted = delegate.insert(order);
      inserts.incrementAndGet();
      entered.countDown();
      try {
        if (!gate.await(10, TimeUnit.SECONDS)) {
          throw new IllegalStateException("the test never opened the gate");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      return inserted;
    }

    @Override
    public Order save(Order order, @Nullable OrderEvent changed) {
      return delegate.save(order, changed);
    }
  }
}
