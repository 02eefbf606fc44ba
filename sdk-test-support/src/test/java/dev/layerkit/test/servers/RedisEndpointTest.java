package dev.layerkit.test.servers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RedisEndpointTest {

  @Test
  void readsHostAndDefaultsPortAndDatabase() {
    assertThat(RedisEndpoint.parse("redis://cache.example"))
        .isEqualTo(new RedisEndpoint("cache.example", 6379, null, null, 0, false));
  }

  @Test
  void readsLettuceStyleCredentialsAndDatabase() {
    assertThat(RedisEndpoint.parse("redis://:secret@cache.example:6380/2"))
        .isEqualTo(new RedisEndpoint("cache.example", 6380, null, "secret", 2, false));
    assertThat(RedisEndpoint.parse("rediss://app:secret@cache.example"))
        .isEqualTo(new RedisEndpoint("cache.example", 6379, "app", "secret", 0, true));
    assertThat(RedisEndpoint.parse("redis://secret@cache.example").password()).isEqualTo("secret");
  }

  @Test
  void printsWithoutThePassword() {
    assertThat(RedisEndpoint.parse("redis://app:secret@cache.example:6380/1"))
        .hasToString("redis://cache.example:6380/1");
  }

  @Test
  void rejectsAMalformedUriWithoutQuotingItsPassword() {
    assertThatThrownBy(() -> RedisEndpoint.parse("redis://:hunter2@cache example"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("not a Redis URI: 'redis://:***@cache example'")
        .hasMessageNotContaining("hunter2");
  }

  @Test
  void rejectsOtherSchemesAndBadDatabases() {
    assertThatThrownBy(() -> RedisEndpoint.parse("http://cache.example:6379"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must start with redis:// or rediss://");
    assertThatThrownBy(() -> RedisEndpoint.parse("redis://cache.example/zero"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("database must be a number but was 'zero'");
  }
}
