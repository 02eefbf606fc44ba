package dev.layerkit.store.sharding;

import java.util.Objects;

/**
 * What a reader needs to see a write: the record's id key, the version the write stored, and the
 * shard map version the writer routed by. Made by {@link ShardedRepository#tokenFor} after a
 * write, carried to any instance (in text form, {@link #format()}, for example in a header), and
 * passed to {@link ShardedRepository#findById(Object, ConsistencyToken)}, which then never returns
 * an older version of the record: it adopts the token's shard map version first, and when a
 * replica answers with an older version (replication lag) or nothing, it asks the primary.
 *
 * <p>A cache in front of the repository can use {@link #admits(long)} to decide whether its entry
 * is recent enough to serve the token's reader.
 *
 * @param idKey the record's id key ({@code EntityDescriptor#idKey})
 * @param version the version the write stored, at least 1
 * @param shardMapVersion the writer's shard map version, 0 without a shard map
 */
public record ConsistencyToken(String idKey, long version, long shardMapVersion) {

  private static final String PREFIX = "lk1:";

  /**
   * Checks the components.
   *
   * @throws NullPointerException if {@code idKey} is null
   * @throws IllegalArgumentException if {@code version} is below 1 or {@code shardMapVersion} negative
   */
  public ConsistencyToken {
    Objects.requireNonNull(idKey, "idKey");
    if (version < 1) {
      throw new IllegalArgumentException("version must be >= 1 but was " + version);
    }
    if (shardMapVersion < 0) {
      throw new IllegalArgumentException("shardMapVersion must be >= 0 but was " + shardMapVersion);
    }
  }

  /**
   * Returns whether a copy of the record at {@code storedVersion} is recent enough for this token.
   *
   * @param storedVersion the version a replica or cache holds
   * @return whether it is the token's version or later
   */
  public boolean admits(long storedVersion) {
    return storedVersion >= version;
  }

  /**
   * Returns the token as text, {@code lk1:<shardMapVersion>:<version>:<idKey>}, which
   * {@link #parse} reads back.
   *
   * @return the text form
   */
  public String format() {
    return PREFIX + shardMapVersion + ':' + version + ':' + idKey;
  }

  /**
   * Reads a token from its {@link #format()} text.
   *
   * @param text the text
   * @return the token
   * @throws NullPointerException if {@code text} is null
   * @throws IllegalArgumentException if it is not a token, naming it
   */
  public static ConsistencyToken parse(String text) {
    Objects.requireNonNull(text, "text");
    if (text.startsWith(PREFIX)) {
      int first = text.indexOf(':', PREFIX.length());
      int second = first < 0 ? -1 : text.indexOf(':', first + 1);
      if (second > 0) {
        try {
          long shardMapVersion = Long.parseLong(text.substring(PREFIX.length(), first));
          long version = Long.parseLong(text.substring(first + 1, second));
          if (first > PREFIX.length() && Character.isDigit(text.charAt(PREFIX.length()))
              && Character.isDigit(text.charAt(first + 1))) {
            return new ConsistencyToken(text.substring(second + 1), version, shardMapVersion);
          }
        } catch (IllegalArgumentException e) {
          // reported below, with the text
        }
      }
    }
    throw new IllegalArgumentException("not a consistency token (lk1:<shardMapVersion>:<version>:<idKey>): '"
        + text + "'");
  }
}
