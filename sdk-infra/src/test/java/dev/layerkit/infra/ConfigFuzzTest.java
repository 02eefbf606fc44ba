package dev.layerkit.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Fuzzes {@link Config} with hostile command lines, environment values and YAML files. In a
 * normal test run Jazzer replays the committed inputs under {@code ConfigFuzzTestInputs/};
 * RELIABILITY.md has the command for a fuzzing run.
 */
class ConfigFuzzTest {

  private static final String MARK = "S3CR3T";

  enum Mode { FAST, SAFE_MODE }

  private static final Config.Setting<?>[] SETTINGS = {
      Config.Setting.duration("cache.ttl").defaultValue(Duration.ofSeconds(30)),
      Config.Setting.size("cache.max-size").defaultValue(1L << 20),
      Config.Setting.url("redis.url").defaultValue(URI.create("redis://localhost:6379")),
      Config.Setting.integer("workers").defaultValue(4),
      Config.Setting.bool("tracing").defaultValue(false),
      Config.Setting.enumValue("mode", Mode.class).defaultValue(Mode.FAST),
      Config.Setting.string("db.password").secret().defaultValue("unset"),
  };

  private static final String[] ENV = {"LAYERKIT_CACHE_TTL", "LAYERKIT_CACHE_MAX_SIZE", "LAYERKIT_REDIS_URL",
      "LAYERKIT_WORKERS", "LAYERKIT_TRACING", "LAYERKIT_MODE"};

  private static final Path YAML = temporaryFile();

  private static Path temporaryFile() {
    try {
      Path file = Files.createTempFile("config-fuzz", ".yaml");
      file.toFile().deleteOnExit();
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Any command line and environment either build a config or fail with one
   * {@link ConfigException} (never another exception); and the secret setting's value, whether it
   * is valid or not, never shows in the exception, {@code toString()} or {@code maskedValues()}.
   */
  @FuzzTest(maxDuration = "2m")
  void bindsOrFailsWithConfigExceptionAndNeverShowsTheSecret(FuzzedDataProvider data) {
    Map<String, String> environment = new HashMap<>();
    for (String variable : ENV) {
      if (data.consumeBoolean()) {
        environment.put(variable, data.consumeString(30));
      }
    }
    String secret = MARK + data.consumeString(20);
    boolean secretInEnvironment = data.consumeBoolean();
    if (secretInEnvironment) {
      environment.put("LAYERKIT_DB_PASSWORD", secret);
    }
    List<String> args = new ArrayList<>();
    int count = data.consumeInt(0, 4);
    for (int i = 0; i < count; i++) {
      args.add(data.consumeString(40));
    }
    if (!secretInEnvironment) {
      args.add(data.consumeBoolean() ? "--db.password=" + secret : "--db.password=" + secret + "=" + secret);
      if (data.consumeBoolean()) {
        args.add("--db.password=" + secret); // given twice: a problem that must still not show it
      }
    }
    boolean markOnlyInSecret = environment.values().stream().noneMatch(v -> v.contains(MARK))
        && args.stream().filter(a -> !a.startsWith("--db.password=")).noneMatch(a -> a.contains(MARK));
    String shown;
    try {
      Config config = Config.builder().settings(SETTINGS).systemProperties(new Properties())
          .environment(environment::get).commandLine(args.toArray(String[]::new)).build();
      shown = config + " " + config.maskedValues();
    } catch (ConfigException e) {
      shown = e.getMessage() + " " + e.problems();
    }
    if (markOnlyInSecret) {
      assertThat(shown).doesNotContain(MARK);
    }
  }

  /** Any bytes as a YAML file either bind or fail with a {@link ConfigException} naming the file. */
  @FuzzTest(maxDuration = "2m")
  void anyYamlFileBindsOrFailsWithConfigException(byte[] input) throws IOException {
    Files.write(YAML, input);
    try {
      Config.builder().settings(SETTINGS).systemProperties(new Properties()).environment(name -> null)
          .file(YAML).build();
    } catch (ConfigException e) {
      assertThat(e.problems()).isNotEmpty();
    }
  }
}
