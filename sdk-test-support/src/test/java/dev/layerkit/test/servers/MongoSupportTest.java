package dev.layerkit.test.servers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MongoSupportTest {

  @Test
  void hostsOfDropsCredentialsDatabaseAndOptions() {
    assertThat(MongoSupport.hostsOf(
            "mongodb://app:p%40ss@a.example:27017,b.example/orders?replicaSet=rs0"))
        .isEqualTo("a.example:27017,b.example");
    assertThat(MongoSupport.hostsOf("mongodb+srv://cluster0.example.net/?retryWrites=true"))
        .isEqualTo("cluster0.example.net");
    assertThat(MongoSupport.hostsOf("mongodb://127.0.0.1:40211")).isEqualTo("127.0.0.1:40211");
  }

  @Test
  void rejectsOtherSchemesWithoutQuotingCredentials() {
    assertThatThrownBy(() -> MongoSupport.hostsOf("postgres://app:secret@db/test"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("but starts with 'postgres://'")
        .hasMessageNotContaining("secret");
  }
}
