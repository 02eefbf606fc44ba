package dev.layerkit.events.pipeline.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Flink engine's builder, its bad input, and how it finds the checkpoint to resume. */
class FlinkPipelineEngineTest {

  @Test
  void rejectsAParallelismBelowOneNamingIt() {
    assertThatThrownBy(() -> FlinkPipelineEngine.builder().parallelism(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("parallelism").hasMessageContaining("0");
  }

  @Test
  void rejectsACheckpointIntervalBelowTenMillisNamingIt(@TempDir Path dir) {
    assertThatThrownBy(() -> FlinkPipelineEngine.builder().checkpoints(dir, Duration.ofMillis(5)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("interval").hasMessageContaining("PT0.005S");
    assertThatThrownBy(() -> FlinkPipelineEngine.builder().checkpoints(null, Duration.ofSeconds(1)))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("directory");
  }

  @Test
  void aSettingGivenTwiceIsAnError(@TempDir Path dir) {
    FlinkPipelineEngine.Builder builder = FlinkPipelineEngine.builder().parallelism(2);
    assertThatThrownBy(() -> builder.parallelism(3))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("parallelism");
    builder.checkpoints(dir, Duration.ofSeconds(1));
    assertThatThrownBy(() -> builder.checkpoints(dir, Duration.ofSeconds(2)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("checkpoints");
  }

  @Test
  void progressAndMeterSettingsAreValidatedNamedAndGivenOnce() {
    assertThatThrownBy(() -> FlinkPipelineEngine.builder().progressInterval(Duration.ofMillis(9)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("progressInterval").hasMessageContaining("PT0.009S");
    assertThatThrownBy(() -> FlinkPipelineEngine.builder().progress(null))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("progress");
    assertThatThrownBy(() -> FlinkPipelineEngine.builder().meterRegistry(null))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("registry");
    FlinkPipelineEngine.Builder builder = FlinkPipelineEngine.builder()
        .progress(p -> { }).progressInterval(Duration.ofMillis(10))
        .meterRegistry(new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
    assertThatThrownBy(() -> builder.progress(p -> { }))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("progress");
    assertThatThrownBy(() -> builder.progressInterval(Duration.ofSeconds(1)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("progressInterval");
    assertThatThrownBy(() -> builder.meterRegistry(
            new io.micrometer.core.instrument.simple.SimpleMeterRegistry()))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("meterRegistry");
  }

  @Test
  void aSavepointIsResumedLikeACheckpointWhenItIsTheNewest(@TempDir Path dir) throws IOException {
    complete(dir.resolve("job-a/chk-9"), Instant.parse("2026-12-06T10:00:00Z"));
    Path savepoint = complete(dir.resolve("savepoints/savepoint-3f2a1b-0123456789ab"),
        Instant.parse("2026-12-06T11:00:00Z"));
    assertThat(FlinkPipelineEngine.latestCheckpoint(dir)).contains(savepoint);
    Path newer = complete(dir.resolve("job-b/chk-1"), Instant.parse("2026-12-06T12:00:00Z"));
    assertThat(FlinkPipelineEngine.latestCheckpoint(dir)).contains(newer);
  }

  @Test
  void aFactoryThatReturnsNullFailsBeforeAnyJobStarts() {
    FlinkPipelineEngine engine = FlinkPipelineEngine.builder().build();
    assertThatThrownBy(() -> engine.run(null))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("factory");
    assertThatThrownBy(() -> engine.run(() -> null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("the pipeline factory returned null");
  }

  @Test
  void resumesFromTheNewestCompleteCheckpointAndIgnoresIncompleteOnes(@TempDir Path dir)
      throws IOException {
    assertThat(FlinkPipelineEngine.latestCheckpoint(dir.resolve("absent"))).isEmpty();
    Path older = complete(dir.resolve("job-a/chk-7"), Instant.parse("2026-12-06T10:00:00Z"));
    Path newer = complete(dir.resolve("job-b/chk-2"), Instant.parse("2026-12-06T11:00:00Z"));
    Files.createDirectories(dir.resolve("job-b/chk-3")); // in progress: no _metadata yet
    Files.createDirectories(dir.resolve("job-b/shared"));

    assertThat(FlinkPipelineEngine.latestCheckpoint(dir)).contains(newer);
    assertThat(older).exists();
  }

  private static Path complete(Path checkpoint, Instant at) throws IOException {
    Files.createDirectories(checkpoint);
    Path metadata = Files.write(checkpoint.resolve("_metadata"), new byte[] {1});
    Files.setLastModifiedTime(metadata, FileTime.from(at));
    return checkpoint;
  }
}
