package dev.layerkit.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.core.health.HealthStatus;
import dev.layerkit.store.EntityDescriptor;
import dev.layerkit.store.Filter;
import dev.layerkit.store.Repository;
import dev.layerkit.store.StoreException;
import dev.layerkit.test.servers.PostgresSchema;
import dev.layerkit.test.servers.TestPostgres;
import dev.layerkit.test.servers.TestServers;
import dev.layerkit.test.store.RepositoryContract;
import dev.layerkit.test.store.TestOrder;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * {@link JdbcRepository} on a real PostgreSQL ({@link TestServers#postgres()}): the contract, and
 * the table, indexes and statements as PostgreSQL sees them. The class works in a schema of its
 * own; each repository gets a table of its own.
 */
@DisplayName("JdbcRepository on PostgreSQL")
class JdbcRepositoryIT extends RepositoryContract {

  private static final TestPostgres POSTGRES = TestServers.postgres();
  private static final AtomicInteger TABLES = new AtomicInteger();
  private static PostgresSchema schema;

  private final List<JdbcRepository<?, ?>> opened = new ArrayList<>();

  @BeforeAll
  static void createSchema() throws Exception {
    schema = POSTGRES.createSchema("jdbc_repository_it");
  }

  @AfterEach
  void closePools() {
    opened.forEach(JdbcRepository::close);
  }

  private JdbcRepository<String, TestOrder> open(String name, EntityDescriptor<String, TestOrder> descriptor) {
    JdbcRepository<String, TestOrder> repository = JdbcRepository.builder(descriptor)
        .jdbcUrl(schema.jdbcUrl()).user(schema.user())
        .table(name + "_" + TABLES.incrementAndGet())
        .maximumPoolSize(8)
        .build();
    opened.add(repository);
    return repository;
  }

  @Override
  protected Repository<String, TestOrder> newRepository(String name, EntityDescriptor<String, TestOrder> descriptor) {
    return open(name, descriptor);
  }

  @Test
  void buildCreatesTheTableWithVersionAndJsonbColumnsAndAnExpressionIndexPerIndexedField() throws Exception {
    JdbcRepository<String, TestOrder> repo = open("ddl", TestOrder.DESCRIPTOR);
    repo.save(TestOrder.of("o-1", "c-1", 5, "NEW"));
    try (Connection c = schema.connect(); Statement s = c.createStatement()) {
      ResultSet columns = s.executeQuery("SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = '"
          + schema.name() + "' AND table_name = '" + repo.table() + "' ORDER BY ordinal_position");
      List<String> found = new ArrayList<>();
      while (columns.next()) {
        found.add(columns.getString(1) + " " + columns.getString(2));
      }
      assertThat(found).containsExactly("id text", "version bigint", "doc jsonb");
      ResultSet indexes = s.executeQuery("SELECT indexdef FROM pg_indexes WHERE schemaname = '" + schema.name()
          + "' AND tablename = '" + repo.table() + "'");
      List<String> defs = new ArrayList<>();
      while (indexes.next()) {
        defs.add(indexes.getString(1));
      }
      assertThat(defs).anySatisfy(d -> assertThat(d).contains("(doc -> 'customerId'::text)"))
          .anySatisfy(d -> assertThat(d).contains("(doc -> 'status'::text)"));
      ResultSet row = s.executeQuery("SELECT version, doc->>'version', doc->>'customerId' FROM " + repo.table());
      assertThat(row.next()).isTrue();
      assertThat(row.getLong(1)).isEqualTo(1);
      assertThat(row.getString(2)).as("the doc carries the same version").isEqualTo("1");
      assertThat(row.getString(3)).isEqualTo("c-1");
    }
    JdbcRepository<String, TestOrder> again = JdbcRepository.builder(TestOrder.DESCRIPTOR)
        .jdbcUrl(schema.jdbcUrl()).user(schema.user()).table(repo.table()).build();
    opened.add(again);
    assertThat(again.findById("o-1")).as("building over an existing table keeps its rows").isPresent();
  }

  @Test
  void worksOnACallersDataSourceAndCreatesAMissingSchema() {
    PGSimpleDataSource dataSource = new PGSimpleDataSource();
    dataSource.setUrl(POSTGRES.jdbcUrl());
    dataSource.setUser(POSTGRES.user());
    String ownSchema = schema.name() + "_x";
    try (JdbcRepository<String, TestOrder> repo = JdbcRepository.builder(TestOrder.DESCRIPTOR)
        .dataSource(dataSource).schema(ownSchema).table("orders").name("orders-on-own-source").build()) {
      assertThat(repo.table()).isEqualTo(ownSchema + ".orders");
      repo.save(TestOrder.of("o-1", "c-1", 5, "NEW"));
      assertThat(repo.count(Filter.all())).isEqualTo(1);
      assertThat(repo.healthCheck().check().status()).isEqualTo(HealthStatus.UP);
      assertThat(repo.healthCheck().name()).isEqualTo("orders-on-own-source");
    } finally {
      try (Connection c = schema.connect(); Statement s = c.createStatement()) {
        s.execute("DROP SCHEMA " + ownSchema + " CASCADE");
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }
  }

  @Test
  void identifiersThatCouldCarrySqlAreRejectedByTheBuilder() {
    for (String bad : List.of("orders; DROP TABLE x", "Orders", "a.b", "o\"rders", "")) {
      assertThatThrownBy(() -> JdbcRepository.builder(TestOrder.DESCRIPTOR).table(bad)).as(bad)
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'" + bad + "'");
    }
    assertThatThrownBy(() -> JdbcRepository.builder(TestOrder.DESCRIPTOR).schema("public;--"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("schema");
    assertThatThrownBy(() -> JdbcRepository.builder(TestOrder.DESCRIPTOR).jdbcUrl("jdbc:mysql://x"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("jdbc:mysql://x");
    assertThatThrownBy(() -> JdbcRepository.builder(TestOrder.DESCRIPTOR).connectionTimeout(java.time.Duration.ofMillis(10)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("connectionTimeout").hasMessageContaining("PT0.01S");
    assertThatThrownBy(() -> JdbcRepository.builder(TestOrder.DESCRIPTOR).maximumPoolSize(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maximumPoolSize must be > 0 but was 0");
    assertThatThrownBy(() -> JdbcRepository.builder(TestOrder.DESCRIPTOR).table("t").build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("dataSource");
  }

  @Test
  void aServerThatIsGoneIsAStoreExceptionNamingTheRepositoryAndAHealthCheckDown() {
    PGSimpleDataSource nowhere = new PGSimpleDataSource();
    nowhere.setUrl("jdbc:postgresql://127.0.0.1:1/none?connectTimeout=1");
    JdbcRepository<String, TestOrder> repo = JdbcRepository.builder(TestOrder.DESCRIPTOR)
        .dataSource(nowhere).table("orders").createTable(false).build();
    assertThatThrownBy(() -> repo.findById("o-1")).isInstanceOf(StoreException.class)
        .hasMessageContaining("orders").hasMessageContaining("findById");
    assertThat(repo.healthCheck().check().status()).isEqualTo(HealthStatus.DOWN);
  }
}
