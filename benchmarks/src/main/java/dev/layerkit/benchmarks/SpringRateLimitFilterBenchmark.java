package dev.layerkit.benchmarks;

import dev.layerkit.spring.ratelimit.servlet.RateLimitServletFilter;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.web.servlet.ServletContextInitializerBeans;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.stereotype.Component;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockMvcRequestBuilders;
import org.springframework.test.web.servlet.setup.DefaultMockMvcBuilder;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.WebApplicationContext;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * One allowed, rate-limited call of a trivial Spring MVC controller ({@code GET /api/hello},
 * answering text) in a Spring Boot 4 application, through Layerkit's starter filter
 * ({@code layerkit}) beside the Bucket4j Spring Boot starter's servlet filter ({@code bucket4j},
 * the anchor), a filter written by hand on Bucket4j's core ({@code bucket4jCoreByHand}: the least
 * a rate-limit filter can cost) and no rate limiting at all ({@code noFilter}).
 *
 * <p>Each method has its own application, started once per fork with embedded Tomcat on a free
 * port exactly as a user runs it, from properties only: both starters keyed by the client IP,
 * with a limit of 10^9 a second so every call is allowed and each runs its full consume path.
 * Layerkit's limiter is in memory; Bucket4j's starter has no in-memory bucket of its own and keeps
 * its buckets in a JCache cache, here Caffeine's JCache provider (its documented in-memory setup).
 * No {@code MeterRegistry} is present, so neither records metrics.
 *
 * <p>The calls are made in-process, so that what is measured is the filter and not the loopback
 * network (a round trip through Tomcat on this shared VM costs tens of microseconds and varies by
 * more than the whole filter costs):
 * <ul>
 *   <li>{@code call=mockMvc}: the whole controller call through MockMvc over the application's
 *       context, with every filter the application registers (Boot's own and the rate limiter's),
 *       in Boot's registration order, then the {@code DispatcherServlet} and the controller.</li>
 *   <li>{@code call=filter}: the rate-limit filter alone (none for {@code noFilter}) in front of
 *       a servlet that writes the same text, with a fresh mock request and response per call:
 *       the filter's own cost, undiluted by Spring MVC.</li>
 * </ul>
 *
 * <p>On a loaded machine, where each method's fork meets a different load, time the same calls
 * interleaved in one JVM with {@link SpringRateLimitFilterTimingReport}.
 *
 * <p>Warm-up is longer than the other benchmarks' (5 x 2 s): a call here is microseconds, not
 * nanoseconds, and on a loaded machine 3 s did not bring Spring MVC's path to compiled code.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar SpringRateLimitFilterBenchmark
 * -prof gc -rf json -rff /tmp/spring-filter.json}, then
 * {@code python3 benchmarks/jmh_table.py /tmp/spring-filter.json bucket4j} (after
 * {@code ./mvnw -B -q -pl benchmarks -am package -DskipTests}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SpringRateLimitFilterBenchmark {

  /** Requests per second both limiters allow: more than any run makes. */
  static final long GENEROUS_LIMIT = 1_000_000_000L;

  /** The path of the controller, and what every rate-limit rule here matches. */
  static final String PATH = "/api/hello";

  /** The client address of every request: one key, as one busy client. */
  static final String CLIENT = "192.0.2.10";

  /** What is called per operation; see the class comment. */
  public enum Call {
    /** The whole controller call through MockMvc, with all the application's filters. */
    mockMvc,
    /** The rate-limit filter alone, in front of a servlet writing the same text. */
    filter
  }

  /** A Spring Boot application with embedded Tomcat, its filters, and the two ways to call it. */
  @State(Scope.Benchmark)
  public abstract static class App {

    @Param
    Call call;

    ConfigurableApplicationContext context;
    MockMvc mockMvc;
    List<Filter> rateLimitFilters;
    HttpServlet terminal;

    /** The properties of this application, besides the common ones. */
    abstract Map<String, Object> properties();

    /** The configuration classes of this application. */
    Class<?>[] sources() {
      return new Class<?>[] {HelloApplication.class};
    }

    /** Returns whether a registered filter is the rate limiter under test. */
    abstract boolean isRateLimitFilter(Filter filter);

    /** The number of rate-limit filters the application must have. */
    int expectedRateLimitFilters() {
      return 1;
    }

    /** Starts the application and checks that it answers, with its rate-limit filter in place. */
    @Setup(Level.Trial)
    public void start() throws Exception {
      // The benchmark jar holds Log4j 2 (Kafka's) without Boot's Log4j 2 plugins; Boot leaves
      // logging alone.
      System.setProperty("org.springframework.boot.logging.LoggingSystem", "none");
      Map<String, Object> properties = new LinkedHashMap<>();
      properties.put("server.port", "0");
      properties.put("spring.main.banner-mode", "off");
      properties.put("layerkit.ratelimit.enabled", "false");
      properties.put("bucket4j.enabled", "false");
      // Only the rate limiter is under test; Layerkit's CacheManager would also take the place of
      // the JCache one Boot sets up for the Bucket4j starter (on @EnableCaching).
      properties.put("layerkit.cache.enabled", "false");
      properties.putAll(properties());
      context = new SpringApplicationBuilder(sources()).properties(properties).run();

      // The filters as Tomcat gets them: Boot's registration beans and plain Filter beans, in order.
      List<Filter> filters = new ArrayList<>();
      rateLimitFilters = new ArrayList<>();
      new ServletContextInitializerBeans(context.getBeanFactory()).forEach(initializer -> {
        if (initializer instanceof FilterRegistrationBean<?> registration && registration.isEnabled()) {
          Filter filter = registration.getFilter();
          filters.add(filter);
          if (isRateLimitFilter(filter)) {
            rateLimitFilters.add(filter);
          }
        }
      });
      if (rateLimitFilters.size() != expectedRateLimitFilters()) {
        throw new IllegalStateException("expected " + expectedRateLimitFilters()
            + " rate-limit filter(s) among the application's filters but found " + filters);
      }
      DefaultMockMvcBuilder builder = MockMvcBuilders.webAppContextSetup((WebApplicationContext) context);
      builder.addFilters(filters.toArray(Filter[]::new));
      mockMvc = builder.build();
      terminal = new HttpServlet() {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
          response.setContentType("text/plain;charset=UTF-8");
          response.getWriter().write(HelloApplication.HELLO);
        }
      };
      int status = call();
      if (status != 200) {
        throw new IllegalStateException("GET " + PATH + " answered " + status + ", expected 200");
      }
    }

    /** Closes the application. */
    @TearDown(Level.Trial)
    public void stop() {
      context.close();
    }

    /** One call; returns the status. */
    int call() throws Exception {
      if (call == Call.mockMvc) {
        return mockMvc.perform(MockMvcRequestBuilders.get(PATH).with(request -> {
          request.setRemoteAddr(CLIENT);
          return request;
        })).andReturn().getResponse().getStatus();
      }
      MockHttpServletRequest request = new MockHttpServletRequest("GET", PATH);
      request.setRemoteAddr(CLIENT);
      MockHttpServletResponse response = new MockHttpServletResponse();
      new MockFilterChain(terminal, rateLimitFilters.toArray(Filter[]::new)).doFilter(request, response);
      return response.getStatus();
    }
  }

  /** No rate limiting: both starters switched off. */
  public static class NoFilterApp extends App {
    @Override
    Map<String, Object> properties() {
      return Map.of();
    }

    @Override
    boolean isRateLimitFilter(Filter filter) {
      return false;
    }

    @Override
    int expectedRateLimitFilters() {
      return 0;
    }
  }

  /** Layerkit's starter: one in-memory limiter, one rule on the controller's path, keyed by IP. */
  public static class LayerkitApp extends App {
    @Override
    Map<String, Object> properties() {
      return Map.of(
          "layerkit.ratelimit.enabled", "true",
          "layerkit.ratelimit.backend", "memory",
          "layerkit.ratelimit.limiters.api.limits[0].permits", Long.toString(GENEROUS_LIMIT),
          "layerkit.ratelimit.limiters.api.limits[0].period", "1s",
          "layerkit.ratelimit.web.rules[0].paths", "/api/**",
          "layerkit.ratelimit.web.rules[0].limiter", "api",
          "layerkit.ratelimit.web.rules[0].key", "ip");
    }

    @Override
    boolean isRateLimitFilter(Filter filter) {
      return filter instanceof RateLimitServletFilter;
    }
  }

  /**
   * The Bucket4j starter: one filter on the controller's path, keyed by IP, its buckets in a
   * Caffeine JCache cache (Boot's cache auto-configuration, on {@code @EnableCaching}).
   */
  public static class Bucket4jApp extends App {
    @Override
    Map<String, Object> properties() {
      Map<String, Object> properties = new LinkedHashMap<>();
      properties.put("spring.cache.type", "jcache");
      properties.put("spring.cache.jcache.provider",
          "com.github.benmanes.caffeine.jcache.spi.CaffeineCachingProvider");
      properties.put("spring.cache.cache-names", "rate-limit-buckets");
      properties.put("bucket4j.enabled", "true");
      properties.put("bucket4j.cache-to-use", "jcache");
      properties.put("bucket4j.filters[0].cache-name", "rate-limit-buckets");
      properties.put("bucket4j.filters[0].url", "/api/.*");
      properties.put("bucket4j.filters[0].rate-limits[0].cache-key", "getRemoteAddr()");
      properties.put("bucket4j.filters[0].rate-limits[0].bandwidths[0].capacity", Long.toString(GENEROUS_LIMIT));
      properties.put("bucket4j.filters[0].rate-limits[0].bandwidths[0].time", "1");
      properties.put("bucket4j.filters[0].rate-limits[0].bandwidths[0].unit", "seconds");
      properties.put("bucket4j.filters[0].rate-limits[0].bandwidths[0].refill-speed", "greedy");
      return properties;
    }

    @Override
    Class<?>[] sources() {
      return new Class<?>[] {HelloApplication.class, CachingOn.class};
    }

    @Override
    boolean isRateLimitFilter(Filter filter) {
      return filter.getClass().getName().startsWith("com.giffing.bucket4j.");
    }
  }

  /**
   * Bucket4j's core by hand, the least a rate-limit filter can do: a {@code OncePerRequestFilter}
   * bean keeping one local lock-free {@link Bucket} per client IP in a {@link ConcurrentHashMap},
   * on paths under {@code /api/}, answering 429 with {@code Retry-After} when empty (what a user
   * writes who wants neither starter).
   */
  public static class Bucket4jCoreApp extends App {
    @Override
    Map<String, Object> properties() {
      return Map.of();
    }

    @Override
    Class<?>[] sources() {
      return new Class<?>[] {HelloApplication.class, HandWrittenBucket4jFilter.class};
    }

    @Override
    boolean isRateLimitFilter(Filter filter) {
      return filter instanceof HandWrittenBucket4jFilter;
    }
  }

  /** The filter of {@link Bucket4jCoreApp}. */
  @Component
  public static class HandWrittenBucket4jFilter extends OncePerRequestFilter {

    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final Function<String, Bucket> newBucket = key -> Bucket.builder()
        .addLimit(limit -> limit.capacity(GENEROUS_LIMIT).refillGreedy(GENEROUS_LIMIT, Duration.ofSeconds(1)))
        .build();

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
      return !request.getRequestURI().startsWith("/api/");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
        throws ServletException, IOException {
      ConsumptionProbe probe = buckets.computeIfAbsent(request.getRemoteAddr(), newBucket)
          .tryConsumeAndReturnRemaining(1);
      if (probe.isConsumed()) {
        chain.doFilter(request, response);
        return;
      }
      response.setStatus(429);
      response.setHeader("Retry-After",
          Long.toString(Math.max(1, TimeUnit.NANOSECONDS.toSeconds(probe.getNanosToWaitForRefill()))));
    }
  }

  /** The controller call with no rate limiting. */
  @Benchmark
  public int noFilter(NoFilterApp app) throws Exception {
    return app.call();
  }

  /** The controller call through Layerkit's filter. */
  @Benchmark
  public int layerkit(LayerkitApp app) throws Exception {
    return app.call();
  }

  /** The controller call through the Bucket4j starter's filter (anchor). */
  @Benchmark
  public int bucket4j(Bucket4jApp app) throws Exception {
    return app.call();
  }

  /** The controller call through a hand-written filter on Bucket4j's core. */
  @Benchmark
  public int bucket4jCoreByHand(Bucket4jCoreApp app) throws Exception {
    return app.call();
  }

  /** The application: Boot's auto-configuration and one controller. */
  @SpringBootConfiguration
  @EnableAutoConfiguration
  @RestController
  public static class HelloApplication {

    static final String HELLO = "hello";

    /** Answers the benchmark's requests. */
    @GetMapping(PATH)
    public String hello() {
      return HELLO;
    }
  }

  /** Spring's cache abstraction, which Boot's JCache set-up (and so the Bucket4j starter) needs. */
  @Configuration(proxyBeanMethods = false)
  @EnableCaching
  public static class CachingOn {}
}
