package dev.layerkit.store.sharding;

import dev.layerkit.test.store.ShardMapStoreContract;
/** The {@link ShardMapStoreContract} on {@link ShardMapStores#inMemory()}. */
class InMemoryShardMapStoreTest extends ShardMapStoreContract {

  private final ShardMapStore store = ShardMapStores.inMemory().build();

  @Override
  protected ShardMapStore store() {
    return store;
  }

  @Override
  protected ShardMapStore sameStateFromAnotherInstance() {
    return store;
  }
}
