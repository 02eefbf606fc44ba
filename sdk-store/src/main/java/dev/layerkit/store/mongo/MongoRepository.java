package dev.layerkit.store.mongo;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoBulkWriteException;
import com.mongodb.MongoCommandException;
import com.mongodb.MongoException;
import com.mongodb.MongoWriteException;
import com.mongodb.ReadPreference;
import com.mongodb.bulk.BulkWriteError;
import com.mongodb.client.FindIterable;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoCursor;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.FindOneAndReplaceOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.InsertManyOptions;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.Sorts;
import dev.layerkit.core.health.Health;
import dev.layerkit.core.health.HealthCheck;
import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import dev.layerkit.store.EntityDescriptor;
import dev.layerkit.store.Filter;
import dev.layerkit.store.OptimisticLockException;
import dev.layerkit.store.Repository;
import dev.layerkit.store.StoreException;
import dev.layerkit.store.internal.JsonDocs;
import dev.layerkit.store.internal.Names;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.bson.BsonDocument;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.bson.json.JsonMode;
import org.bson.json.JsonWriterSettings;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Repository} on MongoDB (mongodb-driver-sync): one collection per repository, each
 * entity one document {@code {_id: <id text>, _v: <version>, doc: <the entity's JSON>}}.
 *
 * <pre>{@code
 * MongoRepository<String, Order> orders = MongoRepository.builder(descriptor)
 *     .database(client.getDatabase("shop")).collection("orders")
 *     .readPreference(ReadPreference.secondaryPreferred())
 *     .build();                 // creates the descriptor's indexes
 * }</pre>
 *
 * <p><b>Writes.</b> {@link #save} is one {@code findOneAndReplace} guarded by {@code {_id, _v}}:
 * for a stored entity without upsert, for version 0 with upsert, where an existing document of
 * another version makes the insert fail on the unique {@code _id} (a conflict). The entity's JSON
 * is converted to BSON by a Jackson tree walk, not {@code Document.parse}, so no value is read as
 * extended JSON; filter values are bound as BSON values, so {@code {"$ne": null}} in a filter is a
 * string. Filters address {@code doc.<field>}; each indexed field gets an ascending index.
 *
 * <p><b>Reads</b> use the configured {@link ReadPreference} (primary by default); the version
 * lookup after a conflict always reads the primary.
 *
 * <p><b>Failure.</b> Thread-safe, like the driver's collection. A {@link MongoException} becomes
 * a {@link StoreException} naming the repository and the operation. How long a call waits for a
 * server that is slow or gone is the client's setting ({@code serverSelectionTimeout}, 30 s by
 * default; set it lower to fail fast); {@link #healthCheck()} then reports {@code DOWN}, and in a
 * {@code ShardedRepository} the first failure opens the shard's circuit breaker so later calls fail at
 * once.
 * The caller owns the client and closes it.
 *
 * @param <ID> the id type
 * @param <T> the entity type
 */
public final class MongoRepository<ID, T> implements Repository<ID, T> {

  static final String DOC = "doc";
  private static final String VERSION = "_v";
  private static final String ID = "_id";
  private static final JsonWriterSettings RELAXED = JsonWriterSettings.builder().outputMode(JsonMode.RELAXED).build();

  /** The batch size of {@link #scan()} cursors. */
  public static final int SCAN_BATCH_SIZE = 500;

  private final String name;
  private final EntityDescriptor<ID, T> descriptor;
  private final MongoDatabase database;
  private final MongoCollection<BsonDocument> writes;
  private final MongoCollection<BsonDocument> reads;

  private MongoRepository(Builder<ID, T> b, MongoDatabase database, String collection) {
    this.descriptor = b.descriptor;
    this.database = database;
    this.name = b.name != null ? b.name : collection;
    this.writes = database.getCollection(collection, BsonDocument.class);
    this.reads = writes.withReadPreference(b.readPreference);
  }

  /**
   * Starts a repository for the descriptor's entities.
   *
   * @param descriptor the entity descriptor; its codec must encode a JSON object
   * @param <ID> the id type
   * @param <T> the entity type
   * @return a builder
   * @throws NullPointerException if {@code descriptor} is null
   */
  public static <ID, T> Builder<ID, T> builder(EntityDescriptor<ID, T> descriptor) {
    return new Builder<>(Objects.requireNonNull(descriptor, "descriptor"));
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public EntityDescriptor<ID, T> descriptor() {
    return descriptor;
  }

  /**
   * Returns the collection the repository writes to (primary read preference).
   *
   * @return the collection
   */
  public MongoCollection<BsonDocument> collection() {
    return writes;
  }

  @Override
  public Optional<T> findById(ID id) {
    String key = descriptor.idKey(id);
    try {
      BsonDocument found = reads.find(Filters.eq(ID, key)).projection(Projections.include(DOC)).first();
      return found == null ? Optional.empty() : Optional.of(decode(found));
    } catch (MongoException e) {
      throw storeException("findById", e);
    }
  }

  @Override
  public List<T> findAll(Filter filter) {
    Objects.requireNonNull(filter, "filter");
    try {
      FindIterable<BsonDocument> find = reads.find(toBson(filter)).projection(Projections.include(DOC));
      if (!filter.sort().isEmpty()) {
        List<Bson> keys = new ArrayList<>();
        for (Filter.Sort key : filter.sort()) {
          String path = DOC + "." + key.field();
          keys.add(key.descending() ? Sorts.descending(path) : Sorts.ascending(path));
        }
        keys.add(Sorts.ascending(ID));
        find.sort(Sorts.orderBy(keys));
      }
      if (filter.hasLimit()) {
        find.limit(filter.limit());
      }
      List<T> result = new ArrayList<>();
      for (BsonDocument document : find) {
        result.add(decode(document));
      }
      return result;
    } catch (MongoException e) {
      throw storeException("findAll", e);
    }
  }

  @Override
  public T save(T entity) {
    String key = descriptor.idKey(descriptor.idOf(entity));
    long expected = descriptor.versionOf(entity);
    T next = descriptor.withVersion(entity, expected + 1);
    BsonDocument document = document(key, expected + 1, next);
    Bson guard = Filters.and(Filters.eq(ID, key), Filters.eq(VERSION, expected));
    try {
      if (expected == 0) {
        writes.findOneAndReplace(guard, document, new FindOneAndReplaceOptions().upsert(true));
        return next;
      }
      if (writes.findOneAndReplace(guard, document) != null) {
        return next;
      }
    } catch (MongoCommandException | MongoWriteException e) {
      if (!isDuplicateKey(e)) {
        throw storeException("save", e);
      }
    } catch (MongoException e) {
      throw storeException("save", e);
    }
    throw OptimisticLockException.of(name, key, expected, storedVersion(key));
  }

  private long storedVersion(String key) {
    try {
      BsonDocument found = writes.find(Filters.eq(ID, key)).projection(Projections.include(VERSION)).first();
      return found == null ? OptimisticLockException.ABSENT : found.getNumber(VERSION).longValue();
    } catch (MongoException e) {
      throw storeException("save (reading the stored version)", e);
    }
  }

  private static boolean isDuplicateKey(MongoException e) {
    if (e instanceof MongoWriteException) {
      return ((MongoWriteException) e).getError().getCategory() == ErrorCategory.DUPLICATE_KEY;
    }
    return e.getCode() == 11000 || ErrorCategory.fromErrorCode(e.getCode()) == ErrorCategory.DUPLICATE_KEY;
  }

  @Override
  public boolean insertIfAbsent(T entity) {
    String key = descriptor.idKey(descriptor.idOf(entity));
    BsonDocument document = document(key, descriptor.versionOf(entity), entity);
    try {
      writes.insertOne(document);
      return true;
    } catch (MongoWriteException e) {
      if (isDuplicateKey(e)) {
        return false;
      }
      throw storeException("insertIfAbsent", e);
    } catch (MongoException e) {
      throw storeException("insertIfAbsent", e);
    }
  }

  @Override
  public boolean deleteById(ID id) {
    String key = descriptor.idKey(id);
    try {
      return writes.deleteOne(Filters.eq(ID, key)).getDeletedCount() == 1;
    } catch (MongoException e) {
      throw storeException("deleteById", e);
    }
  }

  @Override
  public List<T> findAllById(Collection<? extends ID> ids) {
    List<String> keys = keys(ids);
    try {
      List<T> result = new ArrayList<>();
      for (BsonDocument document : reads.find(Filters.in(ID, keys)).projection(Projections.include(DOC))) {
        result.add(decode(document));
      }
      return result;
    } catch (MongoException e) {
      throw storeException("findAllById", e);
    }
  }

  /**
   * Inserts the absent entities with one query for the ids already stored and one unordered
   * {@code insertMany} of the rest; an id inserted concurrently meanwhile is skipped (its
   * duplicate-key error), any other error fails the call.
   *
   * @param entities the entities
   * @return how many were inserted
   */
  @Override
  public int insertAllIfAbsent(List<? extends T> entities) {
    Objects.requireNonNull(entities, "entities");
    List<BsonDocument> documents = new ArrayList<>(entities.size());
    List<String> keys = new ArrayList<>(entities.size());
    for (T entity : entities) {
      String key = descriptor.idKey(descriptor.idOf(entity));
      keys.add(key);
      documents.add(document(key, descriptor.versionOf(entity), entity));
    }
    if (documents.isEmpty()) {
      return 0;
    }
    try {
      // Leave out the ids already stored: one query, and the count does not depend on how a
      // server reports duplicate keys in an unordered insertMany (mongo-java-server differs).
      java.util.Set<String> present = new java.util.HashSet<>();
      for (BsonDocument found : writes.find(Filters.in(ID, keys)).projection(Projections.include(ID))) {
        present.add(found.getString(ID).getValue());
      }
      List<BsonDocument> absent = new ArrayList<>(documents.size());
      for (BsonDocument document : documents) {
        if (!present.contains(document.getString(ID).getValue())) {
          absent.add(document);
        }
      }
      if (absent.isEmpty()) {
        return 0;
      }
      writes.insertMany(absent, new InsertManyOptions().ordered(false));
      return absent.size();
    } catch (MongoBulkWriteException e) {
      for (BulkWriteError error : e.getWriteErrors()) {
        if (ErrorCategory.fromErrorCode(error.getCode()) != ErrorCategory.DUPLICATE_KEY) {
          throw storeException("insertAllIfAbsent", e);
        }
      }
      return e.getWriteResult().getInsertedCount();
    } catch (MongoException e) {
      throw storeException("insertAllIfAbsent", e);
    }
  }

  @Override
  public int deleteAllById(Collection<? extends ID> ids) {
    List<String> keys = keys(ids);
    try {
      return (int) writes.deleteMany(Filters.in(ID, keys)).getDeletedCount();
    } catch (MongoException e) {
      throw storeException("deleteAllById", e);
    }
  }

  private List<String> keys(Collection<? extends ID> ids) {
    Objects.requireNonNull(ids, "ids");
    List<String> keys = new ArrayList<>(ids.size());
    for (ID id : ids) {
      keys.add(descriptor.idKey(id));
    }
    return keys;
  }

  @Override
  public long count(Filter filter) {
    Objects.requireNonNull(filter, "filter");
    try {
      return reads.countDocuments(toBson(filter));
    } catch (MongoException e) {
      throw storeException("count", e);
    }
  }

  @Override
  public Stream<T> scan() {
    MongoCursor<BsonDocument> cursor;
    try {
      cursor = reads.find().projection(Projections.include(DOC)).batchSize(SCAN_BATCH_SIZE).cursor();
    } catch (MongoException e) {
      throw storeException("scan", e);
    }
    Spliterator<BsonDocument> documents = Spliterators.spliteratorUnknownSize(cursor, Spliterator.NONNULL);
    return StreamSupport.stream(documents, false).map(this::decode).onClose(cursor::close);
  }

  /**
   * Returns a check that sends {@code ping} to the database.
   *
   * @return the check, named after the repository
   */
  @Override
  public HealthCheck healthCheck() {
    return HealthCheck.of(name, () -> {
      try {
        database.runCommand(new Document("ping", 1));
        return Health.up().detail("collection", writes.getNamespace().getFullName()).build();
      } catch (MongoException e) {
        return Health.down(e).detail("collection", writes.getNamespace().getFullName()).build();
      }
    });
  }

  private BsonDocument document(String key, long version, T entity) {
    byte[] bytes = descriptor.codec().encode(entity);
    BsonValue doc = BsonJson.toBson(JsonDocs.parseObject(name, bytes));
    return new BsonDocument(ID, new BsonString(key)).append(VERSION, new BsonInt64(version)).append(DOC, doc);
  }

  private T decode(BsonDocument document) {
    BsonDocument doc = document.getDocument(DOC);
    return descriptor.codec().decode(doc.toJson(RELAXED).getBytes(StandardCharsets.UTF_8));
  }

  /** The filter's conditions as a MongoDB query on the {@code doc} sub-document (package-private for tests). */
  static Bson toBson(Filter filter) {
    if (filter.conditions().isEmpty()) {
      return new BsonDocument();
    }
    List<Bson> parts = new ArrayList<>();
    for (Filter.Condition condition : filter.conditions()) {
      String path = BsonJson.path(condition);
      switch (condition.operator()) {
        case EQ:
          parts.add(Filters.eq(path, BsonJson.value(condition.value())));
          break;
        case IN: {
          List<BsonValue> values = new ArrayList<>();
          for (Object value : condition.values()) {
            values.add(BsonJson.value(value));
          }
          parts.add(Filters.in(path, values));
          break;
        }
        case GT:
          parts.add(Filters.gt(path, BsonJson.value(condition.value())));
          break;
        case GTE:
          parts.add(Filters.gte(path, BsonJson.value(condition.value())));
          break;
        case LT:
          parts.add(Filters.lt(path, BsonJson.value(condition.value())));
          break;
        case LTE:
          parts.add(Filters.lte(path, BsonJson.value(condition.value())));
          break;
        default:
          throw new AssertionError(condition.operator());
      }
    }
    return parts.size() == 1 ? parts.get(0) : Filters.and(parts);
  }

  private StoreException storeException(String operation, MongoException e) {
    return new StoreException("repository " + name + " (collection " + writes.getNamespace().getFullName() + "): "
        + operation + " failed: " + e.getMessage(), e);
  }

  @Override
  public String toString() {
    return "MongoRepository[" + name + ", collection=" + writes.getNamespace().getFullName() + ']';
  }

  /**
   * Builds a {@link MongoRepository}; not thread-safe.
   *
   * @param <ID> the id type
   * @param <T> the entity type
   */
  public static final class Builder<ID, T> {
    private final BuilderSettings settings = new BuilderSettings();
    private final EntityDescriptor<ID, T> descriptor;
    private @Nullable MongoDatabase database;
    private @Nullable String collection;
    private @Nullable String name;
    private ReadPreference readPreference = ReadPreference.primary();
    private boolean createIndexes = true;

    private Builder(EntityDescriptor<ID, T> descriptor) {
      this.descriptor = descriptor;
    }

    /**
     * Sets the database (required).
     *
     * @param database the database; the caller owns its client
     * @return this builder
     * @throws NullPointerException if {@code database} is null
     * @throws IllegalStateException if already set
     */
    public Builder<ID, T> database(MongoDatabase database) {
      Objects.requireNonNull(database, "database");
      settings.requireUnset("database", this.database);
      this.database = database;
      return this;
    }

    /**
     * Sets the collection (required).
     *
     * @param collection the collection name
     * @return this builder
     * @throws NullPointerException if {@code collection} is null
     * @throws IllegalArgumentException if it does not match {@code [A-Za-z_][A-Za-z0-9_]{0,62}}
     * @throws IllegalStateException if already set
     */
    public Builder<ID, T> collection(String collection) {
      Names.field("collection", collection);
      settings.requireUnset("collection", this.collection);
      this.collection = collection;
      return this;
    }

    /**
     * Sets the repository's name for messages and health checks; the default is the collection.
     *
     * @param name the name
     * @return this builder
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is blank
     * @throws IllegalStateException if already set
     */
    public Builder<ID, T> name(String name) {
      Arguments.notBlank(name, "name");
      settings.requireUnset("name", this.name);
      this.name = name;
      return this;
    }

    /**
     * Sets where reads go, for example {@code ReadPreference.secondaryPreferred()}; the default is
     * the primary. Writes always go to the primary.
     *
     * @param readPreference the read preference
     * @return this builder
     * @throws NullPointerException if {@code readPreference} is null
     * @throws IllegalStateException if already set
     */
    public Builder<ID, T> readPreference(ReadPreference readPreference) {
      Objects.requireNonNull(readPreference, "readPreference");
      settings.requireUnset("readPreference", this.readPreference);
      this.readPreference = readPreference;
      return this;
    }

    /**
     * Sets whether {@link #build()} creates the indexes of the descriptor's fields (default true).
     *
     * @param createIndexes whether to create them
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder<ID, T> createIndexes(boolean createIndexes) {
      settings.requireUnset("createIndexes", this.createIndexes);
      this.createIndexes = createIndexes;
      return this;
    }

    /**
     * Builds the repository, creating indexes if configured.
     *
     * @return the repository
     * @throws IllegalStateException if the database or the collection was not set
     * @throws StoreException if the indexes cannot be created
     */
    public MongoRepository<ID, T> build() {
      if (database == null || collection == null) {
        throw new IllegalStateException("database(...) and collection(...) must be set");
      }
      MongoRepository<ID, T> repository = new MongoRepository<>(this, database, collection);
      if (createIndexes) {
        for (String field : descriptor.indexedFields()) {
          try {
            repository.writes.createIndex(Indexes.ascending(DOC + "." + field));
          } catch (MongoException e) {
            throw repository.storeException("createIndex on " + field, e);
          }
        }
      }
      return repository;
    }
  }
}
