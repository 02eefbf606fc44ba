package dev.layerkit.store;

import dev.layerkit.store.sharding.ShardedRepository;
import dev.layerkit.test.store.RepositoryContract;
import dev.layerkit.test.store.TestOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;

/** The repository contract on a {@link ShardedRepository} over 4 in-memory shards (jump hash). */
class ShardedInMemoryRepositoryTest extends RepositoryContract {

  private final List<ShardedRepository<String, TestOrder>> opened = new ArrayList<>();

  @AfterEach
  void close() {
    opened.forEach(ShardedRepository::close);
  }

  @Override
  protected Repository<String, TestOrder> newRepository(String name, EntityDescriptor<String, TestOrder> descriptor) {
    List<Repository<String, TestOrder>> shards = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      shards.add(InMemoryRepository.create(name + "-" + i, descriptor));
    }
    ShardedRepository<String, TestOrder> sharded = ShardedRepository.builder(shards).name(name).build();
    opened.add(sharded);
    return sharded;
  }
}
