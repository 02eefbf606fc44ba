package dev.layerkit.store;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.store.jdbc.JdbcRepository;
import dev.layerkit.store.mongo.MongoRepository;
import org.junit.jupiter.api.Test;

/** Every store builder follows the one rule: a setting given twice throws, naming its first value. */
class StoreBuildersTest {

  @Test
  void jdbcMongoAndDescriptorBuildersRejectASettingGivenTwice() {
    assertThatThrownBy(() -> JdbcRepository.builder(TestOrder.DESCRIPTOR).table("orders").table("other"))
        .isInstanceOf(IllegalStateException.class).hasMessage("table was already set to orders");
    assertThatThrownBy(() -> JdbcRepository.builder(TestOrder.DESCRIPTOR).password("s3cret").password("again"))
        .as("a password is not echoed").isInstanceOf(IllegalStateException.class)
        .hasMessage("password was already set to (hidden)");
    assertThatThrownBy(() -> MongoRepository.builder(TestOrder.DESCRIPTOR).collection("orders").collection("x"))
        .isInstanceOf(IllegalStateException.class).hasMessage("collection was already set to orders");
    assertThatThrownBy(() -> EntityDescriptor.builder(TestOrder.class, TestOrder::id).idField("key").idField("id"))
        .isInstanceOf(IllegalStateException.class).hasMessage("idField was already set to key");
  }
}
