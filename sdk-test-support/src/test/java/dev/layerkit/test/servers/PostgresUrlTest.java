package dev.layerkit.test.servers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PostgresUrlTest {

  @Test
  void takesTheLoginOutOfTheQueryAndKeepsOtherParameters() {
    PostgresUrl url = PostgresUrl.parse(
        "jdbc:postgresql://db.example:5433/orders?user=app&password=s%26cret&sslmode=require");

    assertThat(url.user()).isEqualTo("app");
    assertThat(url.password()).isEqualTo("s&cret");
    assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://db.example:5433/orders?sslmode=require");
  }

  @Test
  void addsOrReplacesTheCurrentSchema() {
    assertThat(PostgresUrl.parse("jdbc:postgresql://127.0.0.1:5432/test")
            .jdbcUrlWithSchema("lk_test_a"))
        .isEqualTo("jdbc:postgresql://127.0.0.1:5432/test?currentSchema=lk_test_a");
    assertThat(PostgresUrl.parse("jdbc:postgresql://h/db?currentSchema=public&ssl=true")
            .jdbcUrlWithSchema("lk_test_b"))
        .isEqualTo("jdbc:postgresql://h/db?currentSchema=lk_test_b&ssl=true");
  }

  @Test
  void hasNoLoginWhenTheUrlGivesNone() {
    PostgresUrl url = PostgresUrl.parse("jdbc:postgresql://127.0.0.1:5432/test");

    assertThat(url.user()).isNull();
    assertThat(url.password()).isNull();
  }

  @Test
  void rejectsOtherUrlsWithoutQuotingTheirQuery() {
    assertThatThrownBy(() -> PostgresUrl.parse("jdbc:mysql://db/test?password=secret"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("PostgreSQL URL must start with jdbc:postgresql: but was 'jdbc:mysql://db/test'");
  }
}
