package dev.layerkit.test.servers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NamespacesTest {

  @Test
  void redisPrefixNamesTheTestAndEndsInAColon() {
    assertThat(Namespaces.redisKeyPrefix("rate limiter/v2"))
        .matches("lk-test:rate-limiter-v2:[0-9a-f]{12}:");
  }

  @Test
  void kafkaTopicUsesOnlyDashesBetweenItsParts() {
    assertThat(Namespaces.kafkaTopic("orders.v1_events"))
        .matches("lk-test-orders-v1-events-[0-9a-f]{12}");
  }

  @Test
  void identifierIsALowerCaseUnquotedSqlNameWithinPostgresLimit() {
    String identifier =
        Namespaces.identifier("Order Repository (JSONB) \u00e9t\u00e9 " + "x".repeat(80));

    assertThat(identifier).matches("lk_test_[a-z0-9_]+_[0-9a-f]{12}").hasSizeLessThanOrEqualTo(63);
    assertThat(identifier).startsWith("lk_test_order_repository_jsonb_");
  }

  @Test
  void namesDoNotRepeat() {
    Set<String> names = new HashSet<>();
    for (int i = 0; i < 1_000; i++) {
      names.add(Namespaces.identifier("same"));
    }
    assertThat(names).hasSize(1_000);
  }

  @Test
  void rejectsBlankAndNullTestNames() {
    assertThatThrownBy(() -> Namespaces.kafkaTopic(" "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("testName must not be blank but was ' '");
    assertThatThrownBy(() -> Namespaces.redisKeyPrefix(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("testName");
  }
}
