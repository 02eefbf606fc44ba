package dev.layerkit.store.mongo;

import dev.layerkit.core.testing.TestMongo;
import dev.layerkit.core.testing.TestServers;
import org.junit.jupiter.api.DisplayNameGenerator;

/**
 * Names a MongoDB test class after the server it really runs on: "on mongo-java-server
 * (in-process, wire-compatible, not MongoDB)" without Docker, "on MongoDB" otherwise.
 */
public final class MongoServerDisplayName extends DisplayNameGenerator.Standard {

  /** Creates the generator (JUnit instantiates it). */
  public MongoServerDisplayName() {}

  /**
   * Returns what the shared test server is.
   *
   * @return "mongo-java-server (in-process, wire-compatible, not MongoDB)" or "MongoDB"
   */
  public static String server() {
    return TestServers.mongo().kind() == TestMongo.Kind.MONGO_JAVA_SERVER
        ? "mongo-java-server (in-process, wire-compatible, not MongoDB)" : "MongoDB";
  }

  @Override
  public String generateDisplayNameForClass(Class<?> testClass) {
    return testClass.getSimpleName() + " on " + server();
  }
}
