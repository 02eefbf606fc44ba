package dev.layerkit.test.servers;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class UrlsTest {

  @Test
  void masksPasswordsInAuthoritiesAndQueries() {
    assertThat(Urls.withoutPasswords("redis://app:secret@cache:6379/1"))
        .isEqualTo("redis://app:***@cache:6379/1");
    assertThat(Urls.withoutPasswords("redis://secret@cache:6379")).isEqualTo("redis://***@cache:6379");
    assertThat(Urls.withoutPasswords("mongodb://app:p4ss@a:27017,b:27017/db?authSource=admin"))
        .isEqualTo("mongodb://app:***@a:27017,b:27017/db?authSource=admin");
    assertThat(Urls.withoutPasswords("jdbc:postgresql://db/test?user=app&password=secret&ssl=true"))
        .isEqualTo("jdbc:postgresql://db/test?user=app&password=***&ssl=true");
  }

  @Test
  void leavesUrlsWithoutPasswordsAlone() {
    assertThat(Urls.withoutPasswords("broker-1:9092,broker-2:9092"))
        .isEqualTo("broker-1:9092,broker-2:9092");
    assertThat(Urls.withoutPasswords("jdbc:postgresql://127.0.0.1:5432/test"))
        .isEqualTo("jdbc:postgresql://127.0.0.1:5432/test");
  }
}
