package dev.layerkit.store.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.store.Filter;
import dev.layerkit.store.Repositories;
import dev.layerkit.store.Repository;
import dev.layerkit.store.TestOrder;
import dev.layerkit.store.sharding.ShardedRepository;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Backup}: export, verify and restore, on in-memory shards. */
class BackupTest {

  @TempDir
  Path temp;

  private final List<ShardedRepository<String, TestOrder>> opened = new ArrayList<>();

  @AfterEach
  void close() {
    opened.forEach(ShardedRepository::close);
  }

  private ShardedRepository<String, TestOrder> sharded(int shards) {
    List<Repository<String, TestOrder>> repositories = new ArrayList<>();
    for (int i = 0; i < shards; i++) {
      repositories.add(Repositories.inMemory(TestOrder.DESCRIPTOR).name("shard-" + i).build());
    }
    ShardedRepository<String, TestOrder> repository = ShardedRepository.builder(repositories).name("orders").build();
    opened.add(repository);
    return repository;
  }

  private static ShardedRepository<String, TestOrder> fill(ShardedRepository<String, TestOrder> repo, int records) {
    for (int i = 0; i < records; i++) {
      TestOrder saved = repo.save(TestOrder.of("o-" + i, "c-" + i % 13, i * 7L, i % 2 == 0 ? "NEW" : "{\"$ne\": null}\n"));
      if (i % 3 == 0) {
        repo.save(saved.incremented());
      }
    }
    return repo;
  }

  private static List<TestOrder> everything(Repository<String, TestOrder> repo) {
    try (Stream<TestOrder> all = repo.scan()) {
      return all.sorted(Comparator.comparing(TestOrder::id)).collect(Collectors.toList());
    }
  }

  @Test
  void exportWritesAGzipNdjsonFilePerShardAndAManifestWithCountsAndChecksums() throws Exception {
    ShardedRepository<String, TestOrder> repo = fill(sharded(4), 1_000);
    Path dir = temp.resolve("backup");
    BackupManifest manifest = Backup.export(repo, dir);
    assertThat(manifest.format()).isEqualTo(Backup.FORMAT);
    assertThat(manifest.repository()).isEqualTo("orders");
    assertThat(manifest.entityType()).isEqualTo(TestOrder.class.getName());
    assertThat(manifest.totalCount()).isEqualTo(1_000);
    assertThat(manifest.shards()).hasSize(4);
    for (int i = 0; i < 4; i++) {
      BackupManifest.ShardFile file = manifest.shards().get(i);
      assertThat(file.file()).isEqualTo(String.format("shard-%04d.ndjson.gz", i));
      assertThat(file.count()).isEqualTo(repo.shards().get(i).count(Filter.all()));
      byte[] bytes = Files.readAllBytes(dir.resolve(file.file()));
      assertThat(file.sha256()).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(
          new GZIPInputStream(Files.newInputStream(dir.resolve(file.file()))), StandardCharsets.UTF_8))) {
        assertThat(lines.lines().count()).isEqualTo(file.count());
      }
    }
    assertThat(Files.readString(dir.resolve(Backup.MANIFEST))).contains("\"sha256\"").contains("\"count\"");
    assertThat(Backup.verify(dir)).isEqualTo(manifest);
  }

  @Test
  void restoreIntoAnotherShardCountGivesIdenticalData() {
    ShardedRepository<String, TestOrder> source = fill(sharded(4), 1_000);
    Path dir = temp.resolve("backup");
    Backup.export(source, dir);
    for (int shards : new int[] {3, 7, 1}) {
      ShardedRepository<String, TestOrder> target = sharded(shards);
      RestoreReport report = Backup.restore(dir, target);
      assertThat(report).isEqualTo(new RestoreReport(1_000, 0));
      assertThat(everything(target)).as("into %d shards", shards).isEqualTo(everything(source));
      assertThat(target.findById("o-3").orElseThrow().version()).as("versions kept").isEqualTo(2);
      assertThat(Backup.restore(dir, target)).as("a second restore skips what is there").isEqualTo(new RestoreReport(0, 1_000));
    }
    Repository<String, TestOrder> plain = Repositories.inMemory(TestOrder.DESCRIPTOR).name("plain").build();
    Backup.restore(dir, plain);
    assertThat(everything(plain)).isEqualTo(everything(source));
    Path single = temp.resolve("single");
    assertThat(Backup.export(plain, single).shards()).hasSize(1);
    assertThat(Backup.verify(single).totalCount()).isEqualTo(1_000);
  }

  @Test
  void aCorruptedBackupFailsVerifyNamingTheFileAndRestoresNothing() throws Exception {
    ShardedRepository<String, TestOrder> source = fill(sharded(4), 500);
    Path dir = temp.resolve("backup");
    Backup.export(source, dir);
    Path shard2 = dir.resolve("shard-0002.ndjson.gz");
    byte[] bytes = Files.readAllBytes(shard2);
    bytes[bytes.length / 2] ^= 0x01;
    Files.write(shard2, bytes);
    assertThatThrownBy(() -> Backup.verify(dir)).isInstanceOfSatisfying(BackupCorruptedException.class,
        e -> assertThat(e.file()).endsWith("shard-0002.ndjson.gz")).hasMessageContaining("SHA-256");
    ShardedRepository<String, TestOrder> target = sharded(2);
    assertThatThrownBy(() -> Backup.restore(dir, target)).isInstanceOf(BackupCorruptedException.class);
    assertThat(target.count(Filter.all())).as("nothing restored").isZero();
  }

  @Test
  void aMissingFileATamperedCountOrAMissingManifestFailVerify() throws Exception {
    ShardedRepository<String, TestOrder> source = fill(sharded(2), 100);
    Path missing = temp.resolve("missing");
    Backup.export(source, missing);
    Files.delete(missing.resolve("shard-0001.ndjson.gz"));
    assertThatThrownBy(() -> Backup.verify(missing)).isInstanceOf(BackupCorruptedException.class)
        .hasMessageContaining("shard-0001.ndjson.gz").hasMessageContaining("missing");

    Path counted = temp.resolve("counted");
    BackupManifest manifest = Backup.export(source, counted);
    long count = manifest.shards().get(0).count();
    Path manifestFile = counted.resolve(Backup.MANIFEST);
    String text = Files.readString(manifestFile);
    Files.writeString(manifestFile, text.replaceFirst("\"count\" : " + count, "\"count\" : " + (count + 1)));
    assertThatThrownBy(() -> Backup.verify(counted)).isInstanceOf(BackupCorruptedException.class)
        .hasMessageContaining("has " + count + " records but the manifest says " + (count + 1));

    Path noManifest = temp.resolve("no-manifest");
    Backup.export(source, noManifest);
    Files.delete(noManifest.resolve(Backup.MANIFEST));
    assertThatThrownBy(() -> Backup.verify(noManifest)).isInstanceOf(BackupCorruptedException.class)
        .hasMessageContaining("manifest is missing");
  }

  @Test
  void exportRefusesADirectoryThatIsNotEmpty() throws Exception {
    Files.writeString(temp.resolve("something"), "x");
    assertThatThrownBy(() -> Backup.export(sharded(1), temp)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must be empty");
  }
}
