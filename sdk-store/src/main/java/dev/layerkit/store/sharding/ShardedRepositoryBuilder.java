package dev.layerkit.store.sharding;

import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import dev.layerkit.core.time.TimeSource;
import dev.layerkit.store.EntityDescriptor;
import dev.layerkit.store.Repository;
import dev.layerkit.store.ShardUnavailableException;
import dev.layerkit.store.internal.Names;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Builds a {@link ShardedRepository}: from {@code Repositories.sharded(shards)} or
 * {@link ShardedRepository#builder(List)}.
 *
 * <p>Setters validate at once, naming the parameter and the value. Each setting may be given once
 * (a second call throws {@link IllegalStateException}); {@link #shard} adds a shard per call. Not
 * thread-safe; the repository it builds is.
 *
 * @param <ID> the id type
 * @param <T> the entity type
 */
public final class ShardedRepositoryBuilder<ID, T> {

  private final BuilderSettings settings = new BuilderSettings();
  final List<Repository<ID, T>> primaries = new ArrayList<>();
  final List<List<Repository<ID, T>>> replicas = new ArrayList<>();
  private final Set<Repository<ID, T>> added = Collections.newSetFromMap(new IdentityHashMap<>());
  String name = "sharded";
  ShardingStrategy strategy = ShardingStrategies.jumpHash();
  @Nullable String shardKeyField;
  @Nullable Function<? super T, ?> shardKey;
  ScatterPolicy scatterPolicy = ScatterPolicy.ALLOW;
  @Nullable Executor executor;
  int parallelism;
  TimeSource timeSource = TimeSource.system();
  Duration readYourWritesWindow = ShardedRepository.DEFAULT_READ_YOUR_WRITES_WINDOW;
  Duration unavailableFor = ShardedRepository.DEFAULT_UNAVAILABLE_FOR;
  Duration scatterTimeout = Duration.ZERO;
  int rebalanceBatchSize = ShardedRepository.DEFAULT_REBALANCE_BATCH_SIZE;
  @Nullable MeterRegistry meterRegistry;
  ObservationRegistry observationRegistry = ObservationRegistry.NOOP;
  @Nullable List<Repository<ID, T>> rebalancingTo;
  @Nullable ShardMapStore shardMapStore;
  @Nullable Function<String, ? extends @Nullable Repository<ID, T>> shardResolver;
  Duration shardMapMaxAge = ShardedRepository.DEFAULT_SHARD_MAP_MAX_AGE;

  ShardedRepositoryBuilder() {}

  /**
   * Checks a caller's list of shards: not null, not empty, no null element, no repository twice.
   *
   * @return an immutable copy
   * @throws NullPointerException if the list or an element is null
   * @throws IllegalArgumentException if it is empty or names a repository twice
   */
  static <ID, T> List<Repository<ID, T>> requireShards(List<? extends Repository<ID, T>> shards, String parameter) {
    Objects.requireNonNull(shards, parameter);
    if (shards.isEmpty()) {
      throw new IllegalArgumentException(parameter + " must name at least one shard but was " + shards);
    }
    Set<Repository<ID, T>> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Repository<ID, T> shard : shards) {
      Objects.requireNonNull(shard, parameter + " element");
      if (!seen.add(shard)) {
        throw new IllegalArgumentException(parameter + " lists repository " + shard.name() + " twice");
      }
    }
    return List.copyOf(shards);
  }

  /**
   * Adds a shard without replicas.
   *
   * @param primary the shard's repository
   * @return this builder
   * @throws NullPointerException if {@code primary} is null
   * @throws IllegalArgumentException if the repository was already added
   */
  public ShardedRepositoryBuilder<ID, T> shard(Repository<ID, T> primary) {
    return shard(primary, List.of());
  }

  /**
   * Adds a shard with read replicas.
   *
   * @param primary the shard's repository, which takes every write
   * @param replicas read-only views of the same data (a replica database's repository)
   * @return this builder
   * @throws NullPointerException if an argument or a replica is null
   * @throws IllegalArgumentException if a repository was already added
   */
  public ShardedRepositoryBuilder<ID, T> shard(Repository<ID, T> primary, List<? extends Repository<ID, T>> replicas) {
    Objects.requireNonNull(primary, "primary");
    Objects.requireNonNull(replicas, "replicas");
    for (Repository<ID, T> replica : replicas) {
      Objects.requireNonNull(replica, "replica");
    }
    if (!added.add(primary)) {
      throw new IllegalArgumentException("shard repository " + primary.name() + " was already added");
    }
    this.primaries.add(primary);
    this.replicas.add(List.copyOf(replicas));
    return this;
  }

  /**
   * Sets the name for messages, metrics (tag {@code name}) and health checks; default
   * {@code "sharded"}.
   *
   * @param name the name
   * @return this builder
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if {@code name} is blank
   * @throws IllegalStateException if already set
   */
  public ShardedRepositoryBuilder<ID, T> name(String name) {
    Arguments.notBlank(name, "name");
    settings.requireUnset("name", this.name);
    this.name = name;
    return this;
  }

  /**
   * Sets the sharding strategy; default {@link ShardingStrategies#jumpHash()}.
   *
   * @param strategy the strategy
   * @return this builder
   * @throws NullPointerException if {@code strategy} is null
   * @throws IllegalStateException if already set
   */
  public ShardedRepositoryBuilder<ID, T> strategy(ShardingStrategy strategy) {
    Objects.requireNonNull(strategy, "strategy");
    settings.requireUnset("strategy", this.strategy);
    this.strategy = strategy;
    return this;
  }

  /**
   * Shards by a field instead of the id, for example to keep a customer's orders on one shard.
   * The field must not change over an entity's life; filters with equality or {@code in} on it
   * route directly, and {@code findById}/{@code deleteById} ask every shard.
   *
   * @param field the top-level JSON field holding the key
   * @param extractor reads the key from an entity; must match the field's value
   * @return this builder
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the field name is invalid
   * @throws IllegalStateException if already set
   */
  public ShardedRepositoryBuilder<ID, T> shardKey(String field, Function<? super T, ?> extractor) {
    Names.field("field", field);
    Objects.requireNonNull(extractor, "extractor");
    settings.requireUnset("shardKey", this.shardKeyField);
    this.shardKeyField = field;
    this.shardKey = extractor;
    return this;
  }

  /**
   * Sets what happens to queries that must ask every shard; default {@link ScatterPolicy#ALLOW}.
   *
   * @param scatterPolicy the policy
   * @return this builder
   * @throws NullPointerException if {@code scatterPolicy} is null
   * @throws IllegalStateException if already set
   */
  public ShardedRepositoryBuilder<ID, T> scatterPolicy(ScatterPolicy scatterPolicy) {
    Objects.requireNonNull(scatterPolicy, "scatterPolicy");
    settings.requireUnset("scatterPolicy", this.scatterPolicy);
    this.scatterPolicy = scatterPolicy;
    return this;
  }

  /**
   * Runs scatter queries on a caller's executor (which the repository will not shut down)
   * instead of its own bounded pool.
   *
   * @param executor the executor
   * @return this builder
   * @throws NullPointerException if {@code executor} is null
   * @throws IllegalStateException if already set, or if {@link #parallelism} was set
   */
  public ShardedRepositoryBuilder<ID, T> executor(Executor executor) {
    Objects.requireNonNull(executor, "executor");
    settings.requireUnset("executor", this.executor);
    if (parallelism != 0) {
      throw new IllegalStateException("parallelism was set; an executor brings its own");
    }
    this.executor = executor;
    return this;
  }

  /**
   * Sets the threads of the repository's own scatter pool (a fixed pool with a bounded queue;
   * when full, the caller runs the shard query itself). Default: the number of shards, at least 2.
   *
   * @param parallelism the pool size
   * @return this builder
   * @throws IllegalArgumentException if not positive
   * @throws IllegalStateException if already set, or if an executor was set
   */
  public ShardedRepositoryBuilder<ID, T> parallelism(int parallelism) {
    Arguments.positive(parallelism, "parallelism");
    settings.requireUnset("parallelism", this.parallelism);
    if (executor != null) {
      throw new IllegalStateException("an executor was set; it brings its own parallelism");
    }
    this.parallelism = parallelism;
    return this;
  }

  /**
   * Sets the time source for the read-your-writes window, the shards' circuit breakers and
   * rebalance durations; meant for tests ({@code ManualTimeSource}).
   *
   * @param timeSource the time source
   * @return this builder
   * @throws NullPointerException if {@code timeSource} is null
   * @throws IllegalStateException if already set
   */
  public ShardedRepositoryBuilder<ID, T> timeSource(TimeSource timeSource) {
    Objects.requireNonNull(timeSource, "timeSource");
    settings.requireUnset("timeSource", this.timeSource);
    this.timeSource = timeSource;
    return this;
  }

  /**
   * Sets how long after writing to a shard this instance reads that shard's primary rather
   * than a replica; default 5 s. Choose more than the replicas' usual lag.
   *
   * @param window the window; zero turns it off
   * @return this builder
   * @throws NullPointerException if {@code window} is null
   * @throws IllegalArgumentException if {@code window} is negative
   * @throws IllegalStateException if already set
   */
  public ShardedRepositoryBuilder<ID, T> readYourWritesWindow(Duration window) {
    Arguments.notNegative(window, "readYourWritesWindow");
    settings.requireUnset("readYourWritesWindow", this.readYourWritesWindow);
    this.readYourWritesWindow = window;
    return this;
  }

  /**
   * Sets how long a shard whose call failed is considered down: its circuit breaker's wait in the
   * open state, during which its calls fail at once with {@link ShardUnavailableException}; default
   * 5 s. The first call strictly after it (on the {@link #timeSource}) is a trial that closes the
   * breaker or opens it again. The wait counts whole milliseconds, at least one, as Resilience4j
   * does.
   *
   * @param unavailableFor the duration; zero gives the shards no breaker, so every call is tried
   * @return this builder
   * @throws NullPointerException if {@code unavailableFor} is null
   * @throws IllegalArgumentException if it is negative
   * @throws IllegalStateException if already set
   */
  public ShardedRepositoryBuilder<ID, T> unavailableFor(Duration unavailableFor) {
    Arguments.notNegative(unavailableFor, "unavailableFor");
    settings.requireUnset("unavailableFor", this.unavailableFor);
    this.unavailableFor = unavailableFor;
    return this;
  }

  /**
   * Sets how many records {@link ShardedRepository#rebalance} moves per batch: one
   * {@code findAllById}, {@code insertAllIfAbsent}, {@code findAllById} and {@code deleteAllById}
   * per batch and destination, with the batch's ids locked against writes through this
   * instance. Default {@value ShardedRepository#DEFAULT_REBALANCE_BATCH_SIZE}.
   *
   * @param rebalanceBatchSize records per batch
   * @return this builder
   * @throws IllegalArgumentException if not positive
   * @throws IllegalStateException if already set
   */
  public ShardedRepositoryBuilder<ID, T> rebalanceBatchSize(int rebalanceBatchSize) {
    Arguments.positive(rebalanceBatchSize, "rebalanceBatchSize");
    settings.requireUnset("rebalanceBatchSize", this.rebalanceBatchSize);
    this.rebalanceBatchSize = rebalanceBatchSize;
    return this;
  }

  /**
   * Sets how long a scatter query waits for all its shards; a shard that has not answered by
   * then opens its breaker (see {@link #unavailableFor}) and the query fails with
   * {@link ShardUnavailableException}, or, for {@code findAllAllowingPartial}, leaves it out.
   * Default {@link Duration#ZERO}: no limit beyond the backends' own timeouts. Queries routed to
   * one shard run on the caller's thread and rely on the backend's timeouts.
   *
   * @param scatterTimeout the wait; zero for none
   * @return this builder
   * @throws NullPointerException if {@code scatterTimeout} is null
   * @throws IllegalArgumentException if it is negative
   * @throws IllegalStateException if already set
   */
  public ShardedRepositoryBuilder<ID, T> scatterTimeout(Duration scatterTimeout) {
    Arguments.notNegative(scatterTimeout, "scatterTimeout");
    settings.requireUnset("scatterTimeout", this.scatterTimeout);
    this.scatterTimeout = scatterTimeout;
    return this;
  }

  /**
   * Registers the repository's meters, all tagged {@code name=<repository name>}:
   * {@code layerkit.store.scatter.queries}, {@code layerkit.store.shard.failures} and
   * {@code layerkit.store.rebalance.moved}; and each shard's circuit breaker's
   * {@code layerkit.resilience.circuitbreaker.*} meters, tagged {@code name=<name>-shard-<n>} (see
   * {@code ResiliencePolicy.Builder#meterRegistry}). Off by default; the counters cost an atomic
   * increment per counted event, the breaker meters an event per shard call.
   *
   * @param meterRegistry the registry
   * @return this builder
   * @throws NullPointerException if {@code meterRegistry} is null
   * @throws IllegalStateException if already set
   */
  public ShardedRepositoryBuilder<ID, T> meterRegistry(MeterRegistry meterRegistry) {
    Objects.requireNonNull(meterRegistry, "meterRegistry");
    settings.requireUnset("meterRegistry", this.meterRegistry);
    this.meterRegistry = meterRegistry;
    return this;
  }

  /**
   * Sets where the repository's calls are observed: {@code layerkit.store.operation} per call,
   * tagged {@code name}, {@code operation}, {@code shard} (the index, or {@code all} for a
   * scatter), {@code scatter} and {@code outcome}; current while the call runs, so it is a child
   * of the caller's observation (the request's) and parent of the backend's. {@link
   * ObservationRegistry#NOOP} by default: a call then costs nothing more.
   *
   * @param observationRegistry the registry, with the tracer's handlers registered on it
   * @return this builder
   * @throws NullPointerException if {@code observationRegistry} is null
   * @throws IllegalStateException if already set
   */
  public ShardedRepositoryBuilder<ID, T> observationRegistry(ObservationRegistry observationRegistry) {
    Objects.requireNonNull(observationRegistry, "observationRegistry");
    settings.requireUnset("observationRegistry", this.observationRegistry);
    this.observationRegistry = observationRegistry;
    return this;
  }

  /**
   * Starts in the middle of a rebalance to {@code newShards}, as after a process that was
   * rebalancing died: reads and writes use both topologies until
   * {@link ShardedRepository#rebalance} is called with the same shards and completes.
   *
   * @param newShards the shards the interrupted rebalance was moving to
   * @return this builder
   * @throws NullPointerException if {@code newShards} or an element is null
   * @throws IllegalArgumentException if {@code newShards} is empty or lists a repository twice
   * @throws IllegalStateException if already set
   */
  public ShardedRepositoryBuilder<ID, T> rebalancingTo(List<? extends Repository<ID, T>> newShards) {
    List<Repository<ID, T>> checked = requireShards(newShards, "newShards");
    settings.requireUnset("rebalancingTo", this.rebalancingTo);
    this.rebalancingTo = checked;
    return this;
  }

  /**
   * Shares the shard layout with every instance built with the same store and
   * {@link #name}: writes are fenced by the shared map's version, so that {@link
   * ShardedRepository#rebalance} on any one instance is safe while the others write (the protocol
   * is in {@link ShardedRepository}'s class comment). If the store has no map for the name yet,
   * the shards added to this builder become version 1; otherwise the stored map wins and this
   * builder's shards serve only to resolve the names it lists.
   *
   * @param store the shared store, for example {@code jdbc.JdbcShardMapStore} or
   *     {@link ShardMapStores#inMemory()}
   * @param shardsByName gives this instance's repository for a shard name in the map (its
   *     {@link Repository#name()}), or null if it has none; asked once per name, for names not
   *     among this builder's shards, such as the shards a rebalance started elsewhere moves to
   * @return this builder
   * @throws NullPointerException if an argument is null
   * @throws IllegalStateException if already set
   */
  public ShardedRepositoryBuilder<ID, T> shardMap(ShardMapStore store,
      Function<String, ? extends @Nullable Repository<ID, T>> shardsByName) {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(shardsByName, "shardsByName");
    settings.requireUnset("shardMap", this.shardMapStore);
    this.shardMapStore = store;
    this.shardResolver = shardsByName;
    return this;
  }

  /**
   * Sets how old this instance's copy of the {@link #shardMap shard map} may be when a read uses
   * it before the read fetches it again; default 1 s. Writes never use an old map (they are fenced);
   * a read that finds nothing fetches it at once.
   *
   * @param maxAge the age; zero fetches the map before every read
   * @return this builder
   * @throws NullPointerException if {@code maxAge} is null
   * @throws IllegalArgumentException if it is negative
   * @throws IllegalStateException if already set
   */
  public ShardedRepositoryBuilder<ID, T> shardMapMaxAge(Duration maxAge) {
    Arguments.notNegative(maxAge, "shardMapMaxAge");
    settings.requireUnset("shardMapMaxAge", this.shardMapMaxAge);
    this.shardMapMaxAge = maxAge;
    return this;
  }

  /**
   * Builds the repository.
   *
   * @return the repository
   * @throws IllegalStateException if no shard was added, the shards' descriptors differ, or both
   *     {@link #shardMap} and {@link #rebalancingTo} were set (with a shard map, the store says
   *     whether a rebalance is under way); or, with a shard map, two shards share a name or the
   *     stored map names a shard the resolver does not know
   * @throws IllegalArgumentException if the strategy cannot use the number of shards
   * @throws dev.layerkit.store.StoreException if the shard map store fails
   */
  public ShardedRepository<ID, T> build() {
    if (shardMapStore != null && rebalancingTo != null) {
      throw new IllegalStateException("rebalancingTo is for a repository without a shard map; with shardMap the"
          + " store says whether a rebalance is under way");
    }
    if (shardMapStore != null) {
      Set<String> names = new java.util.HashSet<>();
      for (Repository<ID, T> primary : primaries) {
        if (!names.add(primary.name())) {
          throw new IllegalStateException("two shards are named '" + primary.name()
              + "'; with a shard map, shards are known by name");
        }
      }
    }
    if (primaries.isEmpty()) {
      throw new IllegalStateException("no shard was added: pass a non-empty list to Repositories.sharded(shards)"
          + " or call shard(...)");
    }
    EntityDescriptor<ID, T> descriptor = primaries.get(0).descriptor();
    for (Repository<ID, T> primary : primaries) {
      if (primary.descriptor() != descriptor) {
        throw new IllegalStateException("shard " + primary.name() + " has another descriptor than "
            + primaries.get(0).name() + "; all shards must share one");
      }
    }
    strategy.checkShardCount(primaries.size());
    List<Repository<ID, T>> next = rebalancingTo;
    int threads = parallelism != 0 ? parallelism
        : Math.max(2, Math.max(primaries.size(), next == null ? 0 : next.size()));
    return new ShardedRepository<>(this, descriptor, threads);
  }
}
