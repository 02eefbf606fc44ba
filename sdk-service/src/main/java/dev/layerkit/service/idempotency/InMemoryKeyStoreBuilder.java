package dev.layerkit.service.idempotency;

import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;

/**
 * Configures an in-memory {@link IdempotencyKeyStore}, from {@link IdempotencyKeyStores#inMemory()}.
 * Each setting may be given once ({@link IllegalStateException} otherwise). Not thread-safe; the
 * store it builds is.
 *
 * <p>The store keeps keys in this process only: use it for one instance, development and tests.
 * Instances behind a load balancer need a shared store (Redis, PostgreSQL), or a retry that lands
 * on another instance runs the action again.
 */
public final class InMemoryKeyStoreBuilder {

  /** The default name. */
  public static final String DEFAULT_NAME = "in-memory";

  private final BuilderSettings settings = new BuilderSettings();
  private String name = DEFAULT_NAME;

  InMemoryKeyStoreBuilder() {}

  /**
   * Sets the store's name, for logs; {@value #DEFAULT_NAME} by default.
   *
   * @param name the name
   * @return this builder
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if {@code name} is blank
   * @throws IllegalStateException if already set
   */
  public InMemoryKeyStoreBuilder name(String name) {
    settings.requireUnset("name", this.name);
    this.name = Arguments.notBlank(name, "name");
    return this;
  }

  /**
   * Builds the store.
   *
   * @return a thread-safe store, empty
   */
  public IdempotencyKeyStore build() {
    return new InMemoryIdempotencyKeyStore(name);
  }
}
