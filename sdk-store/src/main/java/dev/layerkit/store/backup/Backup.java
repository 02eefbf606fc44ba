package dev.layerkit.store.backup;

import dev.layerkit.core.time.TimeSource;
import dev.layerkit.store.Repository;
import dev.layerkit.store.StoreException;
import dev.layerkit.store.internal.JsonDocs;
import dev.layerkit.store.sharding.ShardedRepository;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Exports repositories to a directory of gzip NDJSON files with a manifest, verifies such a
 * backup, and restores it into any repository, including a {@link ShardedRepository} with another
 * shard count.
 *
 * <pre>{@code
 * BackupManifest manifest = Backup.export(orders, Path.of("/backups/orders-2026-11-29"));
 * Backup.verify(Path.of("/backups/orders-2026-11-29"));           // throws if corrupted
 * Backup.restore(Path.of("/backups/orders-2026-11-29"), newOrders);  // any topology
 * }</pre>
 *
 * <p><b>Format.</b> One file per shard, {@code shard-0000.ndjson.gz}: each line is one entity as
 * its codec's JSON (so the codec must write JSON without raw line breaks, as Jackson does), with
 * its version. {@value #MANIFEST}, written last, lists each file's record count and the SHA-256
 * of its bytes; a directory without it is an incomplete backup.
 *
 * <p><b>Consistency.</b> Each shard is read with {@link Repository#scan()}, which is weakly
 * consistent: writes during an export may or may not be in it. Export a quiet repository (or a
 * replica) for a point-in-time copy; a sharded repository that is rebalancing is refused.
 *
 * <p>Memory is constant in the data size (streams throughout). Static methods, thread-safe;
 * exports to different directories may run concurrently.
 */
public final class Backup {

  /** The manifest's file name. */
  public static final String MANIFEST = "manifest.json";

  /** The format written in the manifest. */
  public static final String FORMAT = "layerkit-store-backup/1";

  private Backup() {}

  /**
   * Exports every shard of a sharded repository, one file per shard.
   *
   * @param repository the sharded repository
   * @param directory a directory that does not exist or is empty
   * @param <ID> the id type
   * @param <T> the entity type
   * @return the manifest written
   * @throws NullPointerException if an argument is null
   * @throws IllegalStateException if the repository is rebalancing
   * @throws IllegalArgumentException if the directory is not empty
   * @throws StoreException if a shard or the file system fails; the manifest is then not written
   */
  public static <ID, T> BackupManifest export(ShardedRepository<ID, T> repository, Path directory) {
    Objects.requireNonNull(repository, "repository");
    if (repository.isRebalancing()) {
      throw new IllegalStateException("repository " + repository.name() + " is rebalancing; export it when done");
    }
    return export(repository.name(), repository.shards(), directory);
  }

  /**
   * Exports one repository as a single shard file.
   *
   * @param repository the repository
   * @param directory a directory that does not exist or is empty
   * @param <ID> the id type
   * @param <T> the entity type
   * @return the manifest written
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the directory is not empty
   * @throws StoreException if the repository or the file system fails
   */
  public static <ID, T> BackupManifest export(Repository<ID, T> repository, Path directory) {
    Objects.requireNonNull(repository, "repository");
    if (repository instanceof ShardedRepository) {
      return export((ShardedRepository<ID, T>) repository, directory);
    }
    return export(repository.name(), List.of(repository), directory);
  }

  private static <ID, T> BackupManifest export(String name, List<? extends Repository<ID, T>> shards, Path directory) {
    Objects.requireNonNull(directory, "directory");
    try {
      if (Files.exists(directory)) {
        try (Stream<Path> entries = Files.list(directory)) {
          if (entries.findAny().isPresent()) {
            throw new IllegalArgumentException("directory must be empty but " + directory + " is not");
          }
        }
      }
      Files.createDirectories(directory);
      List<BackupManifest.ShardFile> files = new ArrayList<>();
      long total = 0;
      for (int i = 0; i < shards.size(); i++) {
        BackupManifest.ShardFile file = exportShard(i, shards.get(i), directory);
        files.add(file);
        total += file.count();
      }
      BackupManifest manifest = new BackupManifest(FORMAT, name, shards.get(0).descriptor().type().getName(),
          TimeSource.system().instant().toString(), files, total);
      Path temporary = directory.resolve(MANIFEST + ".tmp");
      JsonDocs.MAPPER.writerWithDefaultPrettyPrinter().writeValue(temporary.toFile(), manifest);
      Files.move(temporary, directory.resolve(MANIFEST), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      return manifest;
    } catch (IOException e) {
      throw new StoreException("backup of " + name + " to " + directory + " failed: " + e.getMessage(), e);
    }
  }

  private static <ID, T> BackupManifest.ShardFile exportShard(int index, Repository<ID, T> shard, Path directory)
      throws IOException {
    String fileName = String.format("shard-%04d.ndjson.gz", index);
    MessageDigest sha = sha256();
    long count = 0;
    try (OutputStream file = Files.newOutputStream(directory.resolve(fileName));
        DigestOutputStream digested = new DigestOutputStream(file, sha);
        GZIPOutputStream gzip = new GZIPOutputStream(digested, 1 << 16);
        Stream<T> records = shard.scan()) {
      Iterator<T> it = records.iterator();
      while (it.hasNext()) {
        byte[] line = shard.descriptor().codec().encode(it.next());
        for (byte b : line) {
          if (b == '\n' || b == '\r') {
            throw new StoreException("repository " + shard.name() + ": the codec wrote a line break; a backup needs "
                + "single-line JSON", null);
          }
        }
        gzip.write(line);
        gzip.write('\n');
        count++;
      }
    }
    return new BackupManifest.ShardFile(index, fileName, count, HexFormat.of().formatHex(sha.digest()));
  }

  /**
   * Checks a backup against its manifest: every file present, its SHA-256 and line count as
   * listed, every line a JSON object. Reads every file once.
   *
   * @param directory the backup directory
   * @return the manifest
   * @throws NullPointerException if {@code directory} is null
   * @throws BackupCorruptedException if anything differs, naming the file
   */
  public static BackupManifest verify(Path directory) {
    Objects.requireNonNull(directory, "directory");
    BackupManifest manifest = readManifest(directory);
    for (BackupManifest.ShardFile file : manifest.shards()) {
      Path path = directory.resolve(file.file());
      readShard(directory, file, (number, line) -> {
        try {
          JsonDocs.parseObject(file.file(), line);
        } catch (StoreException e) {
          throw BackupCorruptedException.of(path, "line " + number + " is not a JSON object: " + e.getMessage(), e);
        }
      });
    }
    return manifest;
  }

  /**
   * Verifies a backup, then inserts every record into {@code target} with its version
   * ({@link Repository#insertIfAbsent}); records whose id the target already holds are skipped.
   * The target may have any topology: a sharded target routes each record.
   *
   * @param directory the backup directory
   * @param target the repository to fill; its descriptor's codec must read the exported JSON
   * @param <ID> the id type
   * @param <T> the entity type
   * @return how many records were restored and skipped
   * @throws NullPointerException if an argument is null
   * @throws BackupCorruptedException if verification fails; nothing is written then
   * @throws StoreException if the target fails; records restored until then stay
   */
  public static <ID, T> RestoreReport restore(Path directory, Repository<ID, T> target) {
    Objects.requireNonNull(target, "target");
    BackupManifest manifest = verify(directory);
    long[] counts = new long[2];
    for (BackupManifest.ShardFile file : manifest.shards()) {
      readShard(directory, file, (number, line) -> {
        T entity = target.descriptor().codec().decode(line);
        counts[target.insertIfAbsent(entity) ? 0 : 1]++;
      });
    }
    return new RestoreReport(counts[0], counts[1]);
  }

  private static BackupManifest readManifest(Path directory) {
    Path path = directory.resolve(MANIFEST);
    if (!Files.isRegularFile(path)) {
      throw BackupCorruptedException.of(path, "the manifest is missing (an incomplete or foreign backup)", null);
    }
    BackupManifest manifest;
    try {
      manifest = JsonDocs.MAPPER.readValue(path.toFile(), BackupManifest.class);
    } catch (IOException | RuntimeException e) {
      throw BackupCorruptedException.of(path, "the manifest cannot be read: " + e.getMessage(), e);
    }
    if (!FORMAT.equals(manifest.format())) {
      throw BackupCorruptedException.of(path, "format must be " + FORMAT + " but was " + manifest.format(), null);
    }
    for (BackupManifest.ShardFile file : manifest.shards()) {
      if (!file.file().matches("shard-[0-9]{4,}\\.ndjson\\.gz")) {
        throw BackupCorruptedException.of(path, "it names an unexpected file '" + file.file() + "'", null);
      }
    }
    return manifest;
  }

  /** Receives the lines of a shard file. */
  private interface LineHandler {
    void accept(long number, byte[] line);
  }

  private static void readShard(Path directory, BackupManifest.ShardFile file, LineHandler onLine) {
    Path path = directory.resolve(file.file());
    if (!Files.isRegularFile(path)) {
      throw BackupCorruptedException.of(path, "the file is missing", null);
    }
    MessageDigest sha = sha256();
    long lines = 0;
    try (InputStream in = Files.newInputStream(path); DigestInputStream digested = new DigestInputStream(in, sha)) {
      // Checksum first, over the whole file, so that nothing is decoded from a tampered file.
      byte[] buffer = new byte[1 << 16];
      while (digested.read(buffer) != -1) {
        // reading feeds the digest
      }
    } catch (IOException e) {
      throw BackupCorruptedException.of(path, "it cannot be read: " + e.getMessage(), e);
    }
    String actual = HexFormat.of().formatHex(sha.digest());
    if (!actual.equals(file.sha256())) {
      throw BackupCorruptedException.of(path, "SHA-256 is " + actual + " but the manifest says " + file.sha256(), null);
    }
    try (InputStream in = new GZIPInputStream(Files.newInputStream(path), 1 << 16);
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        lines++;
        onLine.accept(lines, line.getBytes(StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw BackupCorruptedException.of(path, "it is not valid gzip: " + e.getMessage(), e);
    }
    if (lines != file.count()) {
      throw BackupCorruptedException.of(path, "it has " + lines + " records but the manifest says " + file.count(), null);
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }
}
