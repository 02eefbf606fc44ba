package dev.layerkit.store.backup;

import java.util.List;
import java.util.Objects;

/**
 * The manifest of a backup, written last as {@value Backup#MANIFEST}: what was exported and how to
 * check it.
 *
 * @param format the format, {@value Backup#FORMAT}
 * @param repository the name of the repository exported
 * @param entityType the entity class's name
 * @param createdAt when the export finished, ISO-8601
 * @param shards one entry per shard, in shard order
 * @param totalCount the records over all shards
 */
public record BackupManifest(String format, String repository, String entityType, String createdAt,
    List<ShardFile> shards, long totalCount) {

  /**
   * Creates a manifest.
   *
   * @param format the format
   * @param repository the repository's name
   * @param entityType the entity class's name
   * @param createdAt when the export finished
   * @param shards the shard entries, copied
   * @param totalCount the records over all shards
   * @throws NullPointerException if an argument is null
   */
  public BackupManifest {
    Objects.requireNonNull(format, "format");
    Objects.requireNonNull(repository, "repository");
    Objects.requireNonNull(entityType, "entityType");
    Objects.requireNonNull(createdAt, "createdAt");
    shards = List.copyOf(shards);
  }

  /**
   * One shard's file.
   *
   * @param index the shard's index
   * @param file the file's name in the backup directory
   * @param count the records (lines) in it
   * @param sha256 the SHA-256 of the file's bytes (compressed), lower-case hex
   */
  public record ShardFile(int index, String file, long count, String sha256) {

    /**
     * Creates an entry.
     *
     * @param index the shard's index
     * @param file the file name
     * @param count the records
     * @param sha256 the checksum
     * @throws NullPointerException if {@code file} or {@code sha256} is null
     */
    public ShardFile {
      Objects.requireNonNull(file, "file");
      Objects.requireNonNull(sha256, "sha256");
    }
  }
}
