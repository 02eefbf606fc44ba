package dev.layerkit.test.servers;

import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The JUnit 5 extension behind {@link LayerkitServers}: resolves parameters of type {@link
 * TestRedis}, {@link TestRedisCluster}, {@link TestPostgres}, {@link TestKafka} and {@link
 * TestMongo} to the servers of {@link TestServers}, and publishes which server each test got as a
 * report entry named {@code layerkit.<server>}.
 *
 * <p>Use it through the annotation, or register it with {@code @ExtendWith} or
 * {@code @RegisterExtension}. A {@link TestKafka} parameter is the shared cluster of {@link
 * TestServers#kafka()}; a test that stops brokers asks for its own size with {@link
 * TestServers#kafka(int)}.
 *
 * <p>Stateless and thread-safe, so parallel test execution may share it. A server that cannot be
 * had fails the resolution with a {@link ParameterResolutionException} whose cause carries the
 * message of {@link TestServers} (what was tried, how to provide one).
 */
public final class LayerkitServersExtension implements ParameterResolver {

  // Each handle's toString() is its description.
  private static final Map<Class<?>, Server> SERVERS = Map.of(
      TestRedis.class, new Server("redis", TestServers::redis),
      TestRedisCluster.class, new Server("redis-cluster", TestServers::redisCluster),
      TestPostgres.class, new Server("postgres", TestServers::postgres),
      TestKafka.class, new Server("kafka", TestServers::kafka),
      TestMongo.class, new Server("mongo", TestServers::mongo));

  /** Creates the extension; JUnit does this for {@link LayerkitServers}. */
  public LayerkitServersExtension() {}

  /**
   * Returns whether the parameter is one of the server handles.
   *
   * @param parameterContext the parameter
   * @param extensionContext the test's context
   * @return true for {@link TestRedis}, {@link TestRedisCluster}, {@link TestPostgres}, {@link
   *     TestKafka} and {@link TestMongo}
   */
  @Override
  public boolean supportsParameter(
      ParameterContext parameterContext, ExtensionContext extensionContext) {
    return SERVERS.containsKey(parameterContext.getParameter().getType());
  }

  /**
   * Returns the server for the parameter, finding or starting it on first use in this JVM.
   *
   * @param parameterContext the parameter
   * @param extensionContext the test's context
   * @return the server handle
   * @throws ParameterResolutionException if no server could be had; its cause says what was tried
   */
  @Override
  public Object resolveParameter(
      ParameterContext parameterContext, ExtensionContext extensionContext) {
    Class<?> type = parameterContext.getParameter().getType();
    Server server = SERVERS.get(type);
    if (server == null) {
      throw new ParameterResolutionException("not a Layerkit test server: " + type.getName());
    }
    Object handle;
    try {
      handle = server.handle().get();
    } catch (IllegalStateException e) {
      throw new ParameterResolutionException(
          "No " + server.name() + " server for " + type.getSimpleName() + " parameter of "
              + parameterContext.getDeclaringExecutable() + ": " + e.getMessage(), e);
    }
    extensionContext.publishReportEntry("layerkit." + server.name(), handle.toString());
    return handle;
  }

  private record Server(String name, Supplier<Object> handle) {}
}
