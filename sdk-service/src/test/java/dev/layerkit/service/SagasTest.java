package dev.layerkit.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.core.codec.Codecs;
import dev.layerkit.service.saga.Saga;
import dev.layerkit.service.saga.SagaRecord;
import dev.layerkit.service.saga.SagaStatus;
import dev.layerkit.store.Repository;
import org.junit.jupiter.api.Test;

class SagasTest {

  @Test
  void factoryBuildsASagaOnAnInMemoryRepositoryThatKeepsItsState() {
    Repository<String, SagaRecord> state = Sagas.inMemoryRepository();
    try (Saga<String> saga = Sagas.builder("greet", state, Codecs.utf8()).step("hello", c -> "hi " + c.input()).build()) {
      assertThat(saga.run("g-1", "ann").outputs()).containsEntry("hello", "hi ann");
    }

    assertThat(state.findById("g-1")).get().extracting(SagaRecord::status).isEqualTo(SagaStatus.COMPLETED);
  }
}
