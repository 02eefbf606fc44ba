package dev.layerkit.infra.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Fuzzes the spec file reader, {@link ServiceSpec#parse}. In a normal test run Jazzer replays the
 * committed inputs under {@code ServiceSpecFuzzTestInputs/}; RELIABILITY.md has the command for a
 * fuzzing run.
 */
class ServiceSpecFuzzTest {

  /**
   * Any text is refused with one of the documented exceptions ({@link UncheckedIOException} for
   * text that is not YAML, {@link IllegalArgumentException} naming a missing, unknown or invalid
   * field), or parses to a spec from which every Kubernetes manifest renders.
   */
  @FuzzTest(maxDuration = "2m")
  void parseRefusesWithADocumentedExceptionOrGivesASpecThatRenders(byte[] input) {
    String text = new String(input, StandardCharsets.UTF_8);
    ServiceSpec spec;
    try {
      spec = ServiceSpec.parse(text);
    } catch (UncheckedIOException | IllegalArgumentException e) {
      assertThat(e.getMessage()).isNotBlank();
      return;
    }
    assertThat(KubernetesManifests.toYaml(spec)).contains(spec.name());
    assertThat(KubernetesManifests.resources(spec)).isNotEmpty();
  }
}
