package dev.layerkit.examples.orders;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How to run the order system: which backends, on which ports, with which limits. Parsed from
 * the command line by {@link #parse(String...)}; every problem is reported at once.
 *
 * @param backends {@code memory} (embedded, the default) or {@code production}
 * @param gatewayPort the gateway's port (8080; 0 picks a free one)
 * @param adminPort the admin server's port (9090; 0 picks a free one)
 * @param serviceInstances how many order-service instances (3)
 * @param apiKey the API key clients send as {@code X-API-Key}
 * @param ratePerSecond requests per second each API key may make through the gateway
 * @param redisUrl production: {@code redis://host:port}
 * @param kafkaBootstrap production: {@code host:port[,host:port]}
 * @param postgresUrl production: {@code jdbc:postgresql://...}
 * @param mongoUrl production: {@code mongodb://...}
 * @param chaos whether to kill an order-service instance (and, in production, stop using Redis)
 *     during the run, to show the system degrading gracefully
 */
public record OrderSystemOptions(String backends, int gatewayPort, int adminPort, int serviceInstances,
    String apiKey, int ratePerSecond, @Nullable String redisUrl, @Nullable String kafkaBootstrap,
    @Nullable String postgresUrl, @Nullable String mongoUrl, boolean chaos) {

  /** The API key of the embedded demo; the page is pre-filled with it. */
  public static final String DEMO_API_KEY = "demo-key-change-me";

  /** Validates. */
  public OrderSystemOptions {
    Objects.requireNonNull(backends, "backends");
    Objects.requireNonNull(apiKey, "apiKey");
  }

  /**
   * Returns the embedded defaults on free ports, for tests.
   *
   * @return the options
   */
  public static OrderSystemOptions embeddedOnFreePorts() {
    return new OrderSystemOptions("memory", 0, 0, 3, DEMO_API_KEY, 200, null, null, null, null, false);
  }

  /**
   * Returns a copy with another rate limit.
   *
   * @param perSecond requests per second per API key
   * @return the copy
   */
  public OrderSystemOptions withRatePerSecond(int perSecond) {
    return new OrderSystemOptions(backends, gatewayPort, adminPort, serviceInstances, apiKey, perSecond,
        redisUrl, kafkaBootstrap, postgresUrl, mongoUrl, chaos);
  }

  boolean production() {
    return backends.equals("production");
  }

  /**
   * Parses {@code --backends=memory|production --port=8080 --admin-port=9090 --instances=3
   * --api-key=K --rate=200 --redis=URL --kafka=HOSTS --postgres=URL --mongo=URL --chaos}.
   *
   * @param args the command line
   * @return the options
   * @throws IllegalArgumentException naming every problem
   */
  public static OrderSystemOptions parse(String... args) {
    String backends = "memory";
    int port = 8080;
    int adminPort = 9090;
    int instances = 3;
    String apiKey = DEMO_API_KEY;
    int rate = 200;
    String redis = null;
    String kafka = null;
    String postgres = null;
    String mongo = null;
    boolean chaos = false;
    List<String> problems = new ArrayList<>();
    for (String arg : args) {
      int equals = arg.indexOf('=');
      String name = equals < 0 ? arg : arg.substring(0, equals);
      String value = equals < 0 ? "" : arg.substring(equals + 1);
      try {
        switch (name) {
          case "--backends" -> backends = value;
          case "--port" -> port = Integer.parseInt(value);
          case "--admin-port" -> adminPort = Integer.parseInt(value);
          case "--instances" -> instances = Integer.parseInt(value);
          case "--api-key" -> apiKey = value;
          case "--rate" -> rate = Integer.parseInt(value);
          case "--redis" -> redis = value;
          case "--kafka" -> kafka = value;
          case "--postgres" -> postgres = value;
          case "--mongo" -> mongo = value;
          case "--chaos" -> chaos = true;
          default -> problems.add("unknown option " + name);
        }
      } catch (NumberFormatException e) {
        problems.add(name + " must be a number but was '" + value + "'");
      }
    }
    if (!backends.equals("memory") && !backends.equals("production")) {
      problems.add("--backends must be memory or production but was '" + backends + "'");
    }
    if (port < 0 || port > 65_535) {
      problems.add("--port must be 0 to 65535 but was " + port);
    }
    if (adminPort < 0 || adminPort > 65_535) {
      problems.add("--admin-port must be 0 to 65535 but was " + adminPort);
    }
    if (instances < 1 || instances > 16) {
      problems.add("--instances must be 1 to 16 but was " + instances);
    }
    if (rate < 1) {
      problems.add("--rate must be >= 1 but was " + rate);
    }
    if (apiKey.length() < 8) {
      problems.add("--api-key must be at least 8 characters");
    }
    if (backends.equals("production")) {
      if (redis == null) {
        problems.add("--backends=production needs --redis=redis://host:port");
      }
      if (kafka == null) {
        problems.add("--backends=production needs --kafka=host:port");
      }
      if (postgres == null && mongo == null) {
        problems.add("--backends=production needs --postgres=jdbc:postgresql://... or --mongo=mongodb://...");
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", problems));
    }
    return new OrderSystemOptions(backends, port, adminPort, instances, apiKey, rate, redis, kafka,
        postgres, mongo, chaos);
  }
}
