package dev.layerkit.store;

import dev.layerkit.core.codec.Codec;
import dev.layerkit.core.codec.Codecs;
import dev.layerkit.core.internal.BuilderSettings;
import dev.layerkit.store.internal.Names;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.ToLongFunction;
import org.jspecify.annotations.Nullable;

/**
 * How a repository handles one entity type: how to read the id and the version, how to make a
 * copy with a new version, the codec, and which fields are indexed.
 *
 * <pre>{@code
 * record Order(String id, String customerId, long amountCents, long version) {
 *   Order withVersion(long v) { return new Order(id, customerId, amountCents, v); }
 * }
 * EntityDescriptor<String, Order> orders = EntityDescriptor.builder(Order.class, Order::id)
 *     .version(Order::version, Order::withVersion)
 *     .index("customerId")
 *     .build();
 * }</pre>
 *
 * <p><b>Versions.</b> An entity carries the version it was read at; {@code 0} means "new". A
 * repository stores an entity at version {@code v + 1} when the stored version is {@code v} (or,
 * for {@code v == 0}, when nothing is stored), and otherwise throws {@link OptimisticLockException}.
 *
 * <p><b>Ids.</b> A repository keys entities by {@link #idKey(Object)}, the id's
 * {@code String.valueOf}; ids whose text is equal are the same id. The id must also be the entity's
 * top-level JSON field {@link #idField()} (default {@code "id"}) for filters on it to work.
 *
 * <p>Immutable and thread-safe, given thread-safe functions and codec.
 *
 * @param <ID> the id type
 * @param <T> the entity type
 */
public final class EntityDescriptor<ID, T> {

  /** The default name of the id's JSON field. */
  public static final String DEFAULT_ID_FIELD = "id";

  private final Class<T> type;
  private final Function<? super T, ? extends @Nullable ID> id;
  private final String idField;
  private final ToLongFunction<? super T> version;
  private final BiFunction<? super T, Long, ? extends T> withVersion;
  private final Codec<T> codec;
  private final List<String> indexedFields;

  private EntityDescriptor(Builder<ID, T> b, ToLongFunction<? super T> version,
      BiFunction<? super T, Long, ? extends T> withVersion) {
    this.type = b.type;
    this.id = b.id;
    this.idField = b.idField;
    this.version = version;
    this.withVersion = withVersion;
    this.codec = b.codec != null ? b.codec : Codecs.json(b.type);
    this.indexedFields = List.copyOf(b.indexedFields);
  }

  /**
   * Starts a descriptor.
   *
   * @param type the entity class
   * @param id reads an entity's id; it must not return null for an entity that is saved
   * @param <ID> the id type
   * @param <T> the entity type
   * @return a builder; {@link Builder#version} must be set before {@link Builder#build()}
   * @throws NullPointerException if an argument is null
   */
  public static <ID, T> Builder<ID, T> builder(Class<T> type, Function<? super T, ? extends @Nullable ID> id) {
    return new Builder<>(Objects.requireNonNull(type, "type"), Objects.requireNonNull(id, "id"));
  }

  /**
   * Returns the entity class.
   *
   * @return the class
   */
  public Class<T> type() {
    return type;
  }

  /**
   * Returns an entity's id.
   *
   * @param entity the entity
   * @return its id
   * @throws NullPointerException if {@code entity} or its id is null
   */
  public ID idOf(T entity) {
    Objects.requireNonNull(entity, "entity");
    ID value = id.apply(entity);
    if (value == null) {
      throw new NullPointerException("entity of " + type.getName() + " has no id (field '" + idField + "' is null)");
    }
    return value;
  }

  /**
   * Returns the text an id is stored and hashed under: {@code String.valueOf(id)}.
   *
   * @param id the id
   * @return its key
   * @throws NullPointerException if {@code id} is null
   */
  public String idKey(ID id) {
    return String.valueOf(Objects.requireNonNull(id, "id"));
  }

  /**
   * Returns the name of the id's top-level JSON field.
   *
   * @return the field name
   */
  public String idField() {
    return idField;
  }

  /**
   * Returns the version an entity carries.
   *
   * @param entity the entity
   * @return its version, 0 for a new entity
   */
  public long versionOf(T entity) {
    return version.applyAsLong(entity);
  }

  /**
   * Returns a copy of the entity with another version.
   *
   * @param entity the entity
   * @param newVersion the version
   * @return the copy
   * @throws NullPointerException if the function returns null
   */
  public T withVersion(T entity, long newVersion) {
    return Objects.requireNonNull(withVersion.apply(entity, newVersion), "withVersion returned null");
  }

  /**
   * Returns the codec entities are stored with.
   *
   * @return the codec
   */
  public Codec<T> codec() {
    return codec;
  }

  /**
   * Returns the fields backends index.
   *
   * @return an immutable list of field names
   */
  public List<String> indexedFields() {
    return indexedFields;
  }

  @Override
  public String toString() {
    return "EntityDescriptor[" + type.getName() + ", idField=" + idField + ", indexed=" + indexedFields + ']';
  }

  /**
   * Builds an {@link EntityDescriptor}; not thread-safe.
   *
   * @param <ID> the id type
   * @param <T> the entity type
   */
  public static final class Builder<ID, T> {
    private final BuilderSettings settings = new BuilderSettings();
    private final Class<T> type;
    private final Function<? super T, ? extends @Nullable ID> id;
    private String idField = DEFAULT_ID_FIELD;
    private @Nullable ToLongFunction<? super T> version;
    private @Nullable BiFunction<? super T, Long, ? extends T> withVersion;
    private @Nullable Codec<T> codec;
    private final LinkedHashSet<String> indexedFields = new LinkedHashSet<>();

    private Builder(Class<T> type, Function<? super T, ? extends @Nullable ID> id) {
      this.type = type;
      this.id = id;
    }

    /**
     * Sets how to read and replace the version.
     *
     * @param version reads the version
     * @param withVersion returns a copy with the given version (for a mutable class it may set it
     *     and return the same object, but an immutable entity is safer)
     * @return this builder
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if already set
     */
    public Builder<ID, T> version(ToLongFunction<? super T> version, BiFunction<? super T, Long, ? extends T> withVersion) {
      Objects.requireNonNull(version, "version");
      Objects.requireNonNull(withVersion, "withVersion");
      settings.requireUnset("version", this.version);
      this.version = version;
      this.withVersion = withVersion;
      return this;
    }

    /**
     * Sets the codec; the default is {@code Codecs.json(type)}.
     *
     * @param codec the codec; it must encode to a JSON object for filters, MongoDB and PostgreSQL
     * @return this builder
     * @throws NullPointerException if {@code codec} is null
     * @throws IllegalStateException if already set
     */
    public Builder<ID, T> codec(Codec<T> codec) {
      Objects.requireNonNull(codec, "codec");
      settings.requireUnset("codec", this.codec);
      this.codec = codec;
      return this;
    }

    /**
     * Sets the name of the id's JSON field; the default is {@value #DEFAULT_ID_FIELD}.
     *
     * @param idField the field name
     * @return this builder
     * @throws NullPointerException if {@code idField} is null
     * @throws IllegalArgumentException if it is not a valid field name
     * @throws IllegalStateException if already set
     */
    public Builder<ID, T> idField(String idField) {
      Names.field("idField", idField);
      settings.requireUnset("idField", this.idField);
      this.idField = idField;
      return this;
    }

    /**
     * Adds fields that backends index (an expression index in PostgreSQL, an ascending index in
     * MongoDB).
     *
     * @param fields top-level field names
     * @return this builder
     * @throws NullPointerException if a field is null
     * @throws IllegalArgumentException if a field name is invalid
     * @throws IllegalStateException if a field was already added
     */
    public Builder<ID, T> index(String... fields) {
      List<String> checked = new ArrayList<>();
      for (String field : fields) {
        checked.add(Names.field("field", field));
      }
      for (String field : checked) {
        if (!indexedFields.add(field)) {
          throw new IllegalStateException("field " + field + " is already indexed");
        }
      }
      return this;
    }

    /**
     * Builds the descriptor.
     *
     * @return the descriptor
     * @throws IllegalStateException if {@link #version} was not set
     */
    public EntityDescriptor<ID, T> build() {
      if (version == null || withVersion == null) {
        throw new IllegalStateException("version(...) must be set for " + type.getName());
      }
      return new EntityDescriptor<>(this, version, withVersion);
    }
  }
}
