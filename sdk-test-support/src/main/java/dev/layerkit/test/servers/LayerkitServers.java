package dev.layerkit.test.servers;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gives a JUnit 5 test class real servers as parameters: a constructor, a lifecycle method or a
 * test method may declare {@link TestRedis}, {@link TestRedisCluster}, {@link TestPostgres},
 * {@link TestKafka} or {@link TestMongo}, and receives the server {@link TestServers} finds or
 * starts for it.
 *
 * <pre>{@code
 * @LayerkitServers
 * class RedisRateLimiterIT {
 *
 *   @Test
 *   void sharesOneBucketAcrossInstances(TestRedis redis) {
 *     RedisClient client = RedisClient.create(redis.uri());
 *     String prefix = redis.newKeyPrefix("shares-one-bucket");
 *     ...
 *   }
 * }
 * }</pre>
 *
 * <p>Servers are found in the order {@link TestServers} documents: the {@code LAYERKIT_TEST_*}
 * environment URL, a Testcontainers container where a Docker engine answers, the loopback service
 * (Redis 6379, PostgreSQL 5432), an embedded server. Each is started once per JVM and shared by
 * every test class; tests keep apart through the handle ({@link TestRedis#newKeyPrefix}, {@link
 * TestPostgres#createSchema}, {@link TestKafka#newTopicName}, {@link TestMongo#newDatabaseName}).
 * Which server a test got is published as a report entry ({@code layerkit.redis}, ...). When no
 * server can be had, the test fails with a message that lists what was tried and how to provide
 * one; it never skips.
 *
 * <p>Code that runs outside JUnit's parameter resolution (a static field, a helper) calls the same
 * servers through {@link TestServers#redis()} and its siblings; both ways give the same instance.
 * The annotation is inherited, so an abstract base class may carry it.
 *
 * @see LayerkitServersExtension
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(LayerkitServersExtension.class)
public @interface LayerkitServers {}
