package dev.layerkit.test.servers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.bson.Document;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;

/**
 * Proves that each server {@link TestServers} hands out is real and answers real commands, through
 * the client library a backend would use. Which server each test got goes into the report.
 */
class TestServersIT {

  private static final Duration SERVER_WAIT = Duration.ofSeconds(30);

  @Test
  void redisAnswersPingAndKeepsTheTestsKeysUnderItsOwnPrefix(TestReporter reporter) {
    TestRedis redis = TestServers.redis();
    ServerReports.publish(reporter, "redis", redis.description());
    String prefix = redis.newKeyPrefix("TestServersIT round trip");
    RedisClient client = RedisClient.create(redis.uri());
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      RedisCommands<String, String> commands = connection.sync();

      assertThat(commands.ping()).isEqualTo("PONG");
      String key = prefix + "greeting";
      assertThat(commands.set(key, "hello")).isEqualTo("OK");
      assertThat(commands.get(key)).isEqualTo("hello");
      assertThat(commands.keys(prefix + "*")).containsExactly(key);
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
    assertThat(prefix).startsWith("lk-test:TestServersIT-round-trip:").endsWith(":");
    assertThat(TestServers.redis()).as("one server per JVM").isSameAs(redis);
  }

  @Test
  void postgresAnswersSelectOneAndCreatesTablesInTheTestsOwnSchema(TestReporter reporter)
      throws Exception {
    TestPostgres postgres = TestServers.postgres();
    ServerReports.publish(reporter, "postgres", postgres.description());
    PostgresSchema schema = postgres.createSchema("TestServersIT");

    try (Connection connection = schema.connect(); Statement statement = connection.createStatement()) {
      try (ResultSet one = statement.executeQuery("SELECT 1")) {
        assertThat(one.next()).isTrue();
        assertThat(one.getInt(1)).isEqualTo(1);
      }
      statement.execute("CREATE TABLE orders (id bigint PRIMARY KEY, item text NOT NULL)");
      statement.execute("INSERT INTO orders VALUES (1, 'book')");
      try (ResultSet placed = statement.executeQuery(
          "SELECT o.item, t.table_schema FROM orders o, information_schema.tables t"
              + " WHERE t.table_name = 'orders' AND t.table_schema = current_schema()")) {
        assertThat(placed.next()).isTrue();
        assertThat(placed.getString(1)).isEqualTo("book");
        assertThat(placed.getString(2)).isEqualTo(schema.name());
        assertThat(placed.next()).as("the table exists in exactly one schema").isFalse();
      }
    }
    assertThat(schema.name()).startsWith("lk_test_testserversit_").hasSizeLessThanOrEqualTo(63);
  }

  @Test
  void kafkaDescribesItsBrokersAndDeliversARecordToAConsumerGroup(TestReporter reporter)
      throws Exception {
    TestKafka kafka = TestServers.kafka();
    ServerReports.publish(reporter, "kafka", kafka.description());
    String topic = kafka.newTopicName("TestServersIT");

    try (Admin admin = Admin.create(
        Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      Collection<Node> nodes = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS);
      assertThat(nodes).extracting(Node::id).containsExactlyInAnyOrderElementsOf(kafka.brokerIds());
      if (kafka.source() == ServerSource.EMBEDDED) {
        assertThat(nodes).as("the default in-JVM cluster has one broker").hasSize(1);
      }
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }

    try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
        ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer())) {
      producer.send(new ProducerRecord<>(topic, "order-1", "placed")).get(30, TimeUnit.SECONDS);
    }

    List<ConsumerRecord<String, String>> received = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
        ConsumerConfig.GROUP_ID_CONFIG, topic + "-group",
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
        new StringDeserializer(), new StringDeserializer())) {
      consumer.subscribe(List.of(topic));
      await().atMost(SERVER_WAIT).pollInSameThread().pollDelay(Duration.ZERO).until(() -> {
        consumer.poll(Duration.ofMillis(200)).forEach(received::add);
        return !received.isEmpty();
      });
    }
    assertThat(received).singleElement().satisfies(record -> {
      assertThat(record.key()).isEqualTo("order-1");
      assertThat(record.value()).isEqualTo("placed");
    });
  }

  @Test
  @DisplayName("MongoDB, or mongo-java-server where no Docker engine answers, answers ping and "
      + "round-trips a document")
  void mongoAnswersPingAndRoundTripsADocument(TestReporter reporter) {
    TestMongo mongo = TestServers.mongo();
    ServerReports.publish(reporter, "mongo", mongo.kind() + ": " + mongo.description());

    try (MongoClient client = MongoClients.create(mongo.connectionString())) {
      MongoDatabase database = client.getDatabase(mongo.newDatabaseName("TestServersIT"));
      Document pong = database.runCommand(new Document("ping", 1));
      assertThat(pong.get("ok", Number.class).doubleValue()).isEqualTo(1.0);

      MongoCollection<Document> orders = database.getCollection("orders");
      Document order = new Document("_id", "order-1").append("item", "book").append("quantity", 2);
      orders.insertOne(order);
      assertThat(orders.find(Filters.eq("_id", "order-1")).first()).isEqualTo(order);
      assertThat(client.listDatabaseNames()).contains(database.getName());
    }
    if (mongo.kind() == TestMongo.Kind.MONGO_JAVA_SERVER) {
      assertThat(mongo.description()).contains("mongo-java-server", "not MongoDB");
    }
    if (mongo.source() == ServerSource.EMBEDDED) {
      assertThat(mongo.kind()).isEqualTo(TestMongo.Kind.MONGO_JAVA_SERVER);
    }
  }
}
