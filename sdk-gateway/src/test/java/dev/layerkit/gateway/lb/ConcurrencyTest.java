package dev.layerkit.gateway.lb;

import static dev.layerkit.gateway.lb.TestEndpoints.endpoints;
import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.core.time.ManualTimeSource;
import dev.layerkit.test.Concurrently;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Many threads picking and completing while the endpoint set, ejections and time change under
 * them: outstanding counts must come back to exactly zero, and every pick must return an endpoint
 * of some set the source published.
 */
class ConcurrencyTest {

  private static final int THREADS = 8;
  private static final int PICKS_PER_THREAD = 20_000;

  private final ExecutorService pool = Executors.newFixedThreadPool(THREADS + 1);

  @AfterEach
  void stopPool() throws InterruptedException {
    pool.shutdownNow();
    assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
  }

  static Stream<Arguments> strategies() {
    return Stream.of(
        Arguments.of("roundRobin", (Supplier<LoadBalancerBuilder>) LoadBalancers::roundRobin),
        Arguments.of("weightedRoundRobin", (Supplier<LoadBalancerBuilder>) LoadBalancers::weightedRoundRobin),
        Arguments.of("random", (Supplier<LoadBalancerBuilder>) LoadBalancers::random),
        Arguments.of("leastRequest", (Supplier<LoadBalancerBuilder>) LoadBalancers::leastRequest),
        Arguments.of("peakEwma", (Supplier<LoadBalancerBuilder>) LoadBalancers::peakEwma),
        Arguments.of("consistentHash", (Supplier<LoadBalancerBuilder>) LoadBalancers::consistentHash));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("strategies")
  void outstandingCountsReturnToZeroWhileTheSetChanges(String name, Supplier<LoadBalancerBuilder> factory)
      throws Exception {
    List<Endpoint> all = new ArrayList<>(endpoints(12));
    all.set(0, Endpoint.of("10.0.0.1", 8080, 3));
    MutableEndpointSource source = EndpointSource.mutable(all);
    ManualTimeSource time = new ManualTimeSource();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    LoadBalancerBuilder builder = factory.get().serviceName(name).endpointSource(source).timeSource(time)
        .meterRegistry(registry)
        .outlierDetection(OutlierDetection.builder().consecutiveFailures(3).maxEjectionPercent(30)
            .baseEjectionTime(Duration.ofMillis(50)).build());
    if (!name.equals("roundRobin") && !name.equals("consistentHash")) {
      builder.slowStart(Duration.ofMillis(200));
    }
    LoadBalancer lb = builder.build();
    Set<Endpoint> everPublished = ConcurrentHashMap.newKeySet();
    everPublished.addAll(all);
    AtomicBoolean done = new AtomicBoolean();
    AtomicLong picks = new AtomicLong();
    AtomicLong unavailable = new AtomicLong();
    CyclicBarrier start = new CyclicBarrier(THREADS + 1);

    List<Future<?>> workers = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      workers.add(pool.submit(() -> {
        start.await();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        // Requests are held in batches, so the set changes (and endpoints leave and rejoin)
        // between a pick and its completion.
        List<Endpoint> held = new ArrayList<>();
        for (int i = 0; i < PICKS_PER_THREAD; i++) {
          try {
            Endpoint endpoint = lb.pick(RequestContext.ofKeyHash(random.nextLong()));
            picks.incrementAndGet();
            assertThat(everPublished).contains(endpoint);
            held.add(endpoint);
          } catch (NoAvailableEndpointException e) {
            unavailable.incrementAndGet();
          }
          if (held.size() >= 32 || random.nextInt(8) == 0 || i == PICKS_PER_THREAD - 1) {
            for (Endpoint endpoint : held) {
              int outcome = random.nextInt(10);
              if (outcome == 0) {
                lb.onCancel(endpoint);
              } else {
                lb.onComplete(endpoint, random.nextLong(1_000, 50_000_000), outcome != 1);
              }
            }
            held.clear();
          }
        }
        return null;
      }));
    }
    Future<?> changer = pool.submit(() -> {
      start.await();
      ThreadLocalRandom random = ThreadLocalRandom.current();
      while (!done.get()) {
        // Random subsets, sometimes empty, re-adding endpoints that left a moment ago.
        List<Endpoint> next = new ArrayList<>();
        for (Endpoint endpoint : all) {
          if (random.nextInt(4) != 0) {
            next.add(endpoint);
          }
        }
        if (random.nextInt(20) == 0) {
          next.clear();
        }
        source.update(next);
        time.advance(Duration.ofMillis(random.nextInt(30)));
        Thread.onSpinWait();
      }
      return null;
    });
    for (Future<?> worker : workers) {
      worker.get(60, TimeUnit.SECONDS);
    }
    done.set(true);
    changer.get(10, TimeUnit.SECONDS);
    source.update(all);

    assertThat(picks.get() + unavailable.get()).isEqualTo((long) THREADS * PICKS_PER_THREAD);
    assertThat(picks.get()).isPositive();
    for (Endpoint endpoint : all) {
      assertThat(lb.status(endpoint).outstanding()).as("outstanding of %s", endpoint.id()).isZero();
    }
    registry.find("layerkit.lb.outstanding").gauges()
        .forEach(gauge -> assertThat(gauge.value()).as(gauge.getId().toString()).isZero());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("strategies")
  void countsEveryPickExactlyWhenTheSetIsStable(String name, Supplier<LoadBalancerBuilder> factory) throws Exception {
    List<Endpoint> all = endpoints(5);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    LoadBalancer lb = factory.get().endpoints(all).meterRegistry(registry).build();
    Concurrently.run(pool, THREADS, () -> {
      ThreadLocalRandom random = ThreadLocalRandom.current();
      List<Endpoint> held = new ArrayList<>();
      for (int i = 0; i < PICKS_PER_THREAD; i++) {
        held.add(lb.pick(RequestContext.ofKeyHash(random.nextLong())));
        if (held.size() == 16 || i == PICKS_PER_THREAD - 1) {
          held.forEach(e -> lb.onComplete(e, 1_000_000, true));
          held.clear();
        }
      }
    });

    double counted = registry.find("layerkit.lb.picks").functionCounters().stream()
        .mapToDouble(c -> c.count()).sum();
    assertThat(counted).isEqualTo((double) THREADS * PICKS_PER_THREAD);
    Set<Integer> outstanding = new HashSet<>();
    all.forEach(e -> outstanding.add(lb.status(e).outstanding()));
    assertThat(outstanding).containsExactly(0);
  }
}
