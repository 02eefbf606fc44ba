package com.example.cache;

import dev.layerkit.cache.Cache;
import dev.layerkit.test.cache.CacheContract;

/** Every test of Layerkit's cache contract, run against this team's backend. */
class MapCacheContractTest extends CacheContract {

  @Override
  protected Cache<String, String> newCache(String name) {
    return new MapCache<>(name, time);
  }
}
