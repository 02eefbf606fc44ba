package dev.layerkit.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigTest {

  enum Backends { MEMORY, PRODUCTION, IN_PROCESS }

  static final Config.Setting<Duration> TTL = Config.Setting.duration("cache.ttl").defaultValue(Duration.ofSeconds(30));
  static final Config.Setting<Long> MAX_SIZE = Config.Setting.size("cache.max-size").defaultValue(64L << 20);
  static final Config.Setting<URI> REDIS_URL = Config.Setting.url("redis.url");
  static final Config.Setting<String> REDIS_PASSWORD = Config.Setting.string("redis.password").secret().defaultValue("");
  static final Config.Setting<Backends> BACKENDS =
      Config.Setting.enumValue("backends", Backends.class).defaultValue(Backends.MEMORY);
  static final Config.Setting<Integer> REPLICAS =
      Config.Setting.integer("replicas").require(n -> n > 0, "must be > 0").defaultValue(3);
  static final Config.Setting<Boolean> TRACING = Config.Setting.bool("tracing.enabled").defaultValue(false);

  @TempDir
  Path dir;

  private final Properties systemProperties = new Properties();
  private final Map<String, String> env = new HashMap<>();

  private Config.Builder builder() {
    return Config.builder().systemProperties(systemProperties).environment(env::get)
        .settings(TTL, MAX_SIZE, REDIS_URL, REDIS_PASSWORD, BACKENDS, REPLICAS, TRACING);
  }

  private Path yaml(String text) throws Exception {
    Path file = dir.resolve("app.yaml");
    Files.writeString(file, text);
    return file;
  }

  @Test
  void systemPropertyBeatsEnvironmentBeatsFileBeatsDefault() throws Exception {
    Path file = yaml("cache:\n  ttl: 3s\n  max-size: 1MiB\nredis:\n  url: redis://file:6379\n  password: from-file\n"
        + "backends: in-process\n");
    env.put("LAYERKIT_CACHE_TTL", "2s");
    env.put("LAYERKIT_CACHE_MAX_SIZE", "2MiB");
    systemProperties.setProperty("cache.ttl", "250ms");

    Config config = builder().file(file).build();

    assertThat(config.get(TTL)).isEqualTo(Duration.ofMillis(250));
    assertThat(config.source(TTL)).isEqualTo("system property cache.ttl");
    assertThat(config.get(MAX_SIZE)).isEqualTo(2L << 20);
    assertThat(config.source(MAX_SIZE)).isEqualTo("environment variable LAYERKIT_CACHE_MAX_SIZE");
    assertThat(config.get(REDIS_URL)).isEqualTo(URI.create("redis://file:6379"));
    assertThat(config.source(REDIS_URL)).isEqualTo("file " + file);
    assertThat(config.get(BACKENDS)).isEqualTo(Backends.IN_PROCESS);
    assertThat(config.get(REPLICAS)).isEqualTo(3);
    assertThat(config.source(REPLICAS)).isEqualTo("default");
    assertThat(config.get(TRACING)).isFalse();
  }

  @Test
  void threeBadSettingsAreReportedTogetherWithTheirSources() throws Exception {
    systemProperties.setProperty("cache.ttl", "fast");
    env.put("LAYERKIT_CACHE_MAX_SIZE", "64 furlongs");
    Path file = yaml("redis:\n  url: not a url\n  password: hunter2\n");

    assertThatThrownBy(() -> builder().file(file).build())
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).containsExactly(
            new ConfigException.Problem("cache.ttl", "fast", "system property cache.ttl",
                "expected a duration such as 250ms, 5s, 1m or PT5S"),
            new ConfigException.Problem("cache.max-size", "64 furlongs", "environment variable LAYERKIT_CACHE_MAX_SIZE",
                "expected a size such as 512, 64KiB, 64MiB or 1GB"),
            new ConfigException.Problem("redis.url", "not a url", "file " + file,
                "expected an absolute URL such as redis://cache-1:6379")))
        .hasMessage("3 invalid settings:\n"
            + "  cache.ttl = 'fast' from system property cache.ttl: expected a duration such as 250ms, 5s, 1m or PT5S\n"
            + "  cache.max-size = '64 furlongs' from environment variable LAYERKIT_CACHE_MAX_SIZE: expected a size such"
            + " as 512, 64KiB, 64MiB or 1GB\n"
            + "  redis.url = 'not a url' from file " + file + ": expected an absolute URL such as redis://cache-1:6379");
  }

  @Test
  void missingRequiredSettingAndFailedConstraintAreProblemsAndSecretsStayMasked() {
    env.put("LAYERKIT_REPLICAS", "0");
    env.put("LAYERKIT_REDIS_PASSWORD", "hunter2");
    Config.Setting<Integer> port = Config.Setting.integer("port").secret().require(p -> p < 65_536, "must be < 65536");
    env.put("LAYERKIT_PORT", "70000");

    assertThatThrownBy(() -> builder().settings(port).build())
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).containsExactly(
            new ConfigException.Problem("redis.url", "", "nowhere",
                "is required: set system property redis.url or environment variable LAYERKIT_REDIS_URL or add it to the file"),
            new ConfigException.Problem("replicas", "0", "environment variable LAYERKIT_REPLICAS", "must be > 0"),
            new ConfigException.Problem("port", Config.MASK, "environment variable LAYERKIT_PORT", "must be < 65536")))
        .hasMessageNotContaining("70000").hasMessageNotContaining("hunter2");
  }

  @Test
  void secretsAreMaskedInToStringAndMaskedValues() {
    env.put("LAYERKIT_REDIS_URL", "redis://cache-1:6379");
    env.put("LAYERKIT_REDIS_PASSWORD", "hunter2");
    Config config = builder().build();

    assertThat(config.get(REDIS_PASSWORD)).isEqualTo("hunter2");
    assertThat(config.toString()).doesNotContain("hunter2")
        .contains("redis.password=****** (environment variable LAYERKIT_REDIS_PASSWORD)")
        .contains("cache.ttl=30s (default)");
    assertThat(config.maskedValues()).containsExactly(
        Map.entry("cache.ttl", "30s"),
        Map.entry("cache.max-size", "64MiB"),
        Map.entry("redis.url", "redis://cache-1:6379"),
        Map.entry("redis.password", Config.MASK),
        Map.entry("backends", "memory"),
        Map.entry("replicas", "3"),
        Map.entry("tracing.enabled", "false"));
  }

  @Test
  void readsPropertiesFiles() throws Exception {
    Path file = dir.resolve("app.properties");
    Files.writeString(file, "redis.url=rediss://cache-2:6380\ncache.ttl=PT1M\ntracing.enabled=TRUE\n");
    Config config = builder().file(file).build();
    assertThat(config.get(REDIS_URL)).isEqualTo(URI.create("rediss://cache-2:6380"));
    assertThat(config.get(TTL)).isEqualTo(Duration.ofMinutes(1));
    assertThat(config.get(TRACING)).isTrue();
  }

  @Test
  void unreadableFileIsReportedWithTheOtherProblems() {
    Path missing = dir.resolve("absent.yaml");
    assertThatThrownBy(() -> builder().file(missing).build())
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
            .extracting(ConfigException.Problem::setting).containsExactly("(file)", "redis.url"))
        .hasMessageContaining("cannot be read");
  }

  @ParameterizedTest
  @CsvSource({"250ms, PT0.25S", "5s, PT5S", "2m, PT2M", "1h, PT1H", "1d, PT24H", "10us, PT0.00001S", "PT1.5S, PT1.5S"})
  void parsesDurations(String text, String expected) {
    env.put("LAYERKIT_CACHE_TTL", text);
    env.put("LAYERKIT_REDIS_URL", "redis://h:1");
    assertThat(builder().build().get(TTL)).isEqualTo(Duration.parse(expected));
  }

  @ParameterizedTest
  @CsvSource({"512, 512", "64KiB, 65536", "64MiB, 67108864", "1GiB, 1073741824", "1GB, 1000000000", "2kb, 2000",
      "64mib, 67108864"})
  void parsesSizes(String text, long expected) {
    env.put("LAYERKIT_CACHE_MAX_SIZE", text);
    env.put("LAYERKIT_REDIS_URL", "redis://h:1");
    assertThat(builder().build().get(MAX_SIZE)).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource({"cache.ttl, -5s", "cache.ttl, 5", "cache.ttl, 5 sec", "cache.max-size, 64XB", "cache.max-size, 99999999999TiB",
      "redis.url, /relative/path", "backends, disk", "replicas, three", "tracing.enabled, yes"})
  void rejectsMalformedValues(String name, String value) {
    systemProperties.setProperty(name, value);
    systemProperties.setProperty("redis.url", name.equals("redis.url") ? value : "redis://h:1");
    assertThatThrownBy(() -> builder().build())
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
            .singleElement().satisfies(p -> {
              assertThat(p.setting()).isEqualTo(name);
              assertThat(p.value()).isEqualTo(value);
              assertThat(p.message()).startsWith("expected ");
            }));
  }

  @Test
  void enumProblemListsTheAllowedValues() {
    systemProperties.setProperty("backends", "disk");
    systemProperties.setProperty("redis.url", "redis://h:1");
    assertThatThrownBy(() -> builder().build())
        .hasMessageContaining("expected one of memory, production, in-process");
  }

  @Test
  void validatesDeclarations() {
    assertThatThrownBy(() -> Config.Setting.duration("Cache_TTL"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("name must be lower-case words separated by '.' or '-', such as cache.max-size, but was 'Cache_TTL'");
    assertThatThrownBy(() -> TTL.defaultValue(Duration.ZERO))
        .isInstanceOf(IllegalStateException.class).hasMessage("setting 'cache.ttl' already has a default");
    assertThatThrownBy(() -> Config.Setting.integer("n").require(n -> n > 0, "must be > 0").defaultValue(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("default of 'n' must be > 0 but was 0");
    assertThatThrownBy(() -> Config.builder().settings(TTL, Config.Setting.duration("cache.ttl")))
        .isInstanceOf(IllegalStateException.class).hasMessage("setting 'cache.ttl' was already declared");
    assertThatThrownBy(() -> Config.builder().file(Path.of("app.json")))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("file must end in .properties, .yaml or .yml but was app.json");
    assertThatThrownBy(() -> Config.builder().envPrefix("lk_"))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("envPrefix must be upper-case letters, digits and '_' but was 'lk_'");
    assertThat(TTL.environmentVariable()).isEqualTo("LAYERKIT_CACHE_TTL");
    assertThat(MAX_SIZE.environmentVariable()).isEqualTo("LAYERKIT_CACHE_MAX_SIZE");

    env.put("LAYERKIT_REDIS_URL", "redis://h:1");
    Config config = builder().build();
    assertThatThrownBy(() -> config.get(Config.Setting.string("other")))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("setting 'other' is not part of this config");
  }

  @Test
  void envPrefixIsConfigurable() {
    env.put("ORDERS_REDIS_URL", "redis://orders:6379");
    Config config = builder().envPrefix("ORDERS_").build();
    assertThat(config.get(REDIS_URL)).isEqualTo(URI.create("redis://orders:6379"));
    assertThat(config.source(REDIS_URL)).isEqualTo("environment variable ORDERS_REDIS_URL");
  }

  @Test
  void commandLineBeatsEveryOtherSourceAndABooleanMayBeGivenBare() {
    env.put("LAYERKIT_REDIS_URL", "redis://env:6379");
    env.put("LAYERKIT_CACHE_TTL", "2s");
    systemProperties.setProperty("cache.ttl", "250ms");

    Config config = builder().commandLine("--cache.ttl=5s", "--tracing.enabled", "--replicas=4").build();

    assertThat(config.get(TTL)).isEqualTo(Duration.ofSeconds(5));
    assertThat(config.source(TTL)).isEqualTo("command line --cache.ttl");
    assertThat(config.get(TRACING)).isTrue();
    assertThat(config.get(REPLICAS)).isEqualTo(4);
    assertThat(config.get(REDIS_URL)).isEqualTo(URI.create("redis://env:6379"));
    assertThat(config.source(REDIS_URL)).isEqualTo("environment variable LAYERKIT_REDIS_URL");
  }

  @Test
  void commandLineMistakesAreProblemsWithTheOthersAndSecretsStayMasked() {
    env.put("LAYERKIT_REDIS_URL", "redis://env:6379");

    assertThatThrownBy(() -> builder().commandLine("stray", "--what=1", "--replicas", "--cache.ttl=1s",
        "--cache.ttl=2s", "--redis.password=hunter2", "--redis.password=hunter3", "--cache.max-size=lots").build())
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).containsExactly(
            new ConfigException.Problem("(command line)", "stray", "command line",
                "is not an option such as --name=value"),
            new ConfigException.Problem("what", "--what=1", "command line", "is not a setting; known: --cache.ttl,"
                + " --cache.max-size, --redis.url, --redis.password, --backends, --replicas, --tracing.enabled"),
            new ConfigException.Problem("replicas", "--replicas", "command line", "needs a value: --replicas=<an integer>"),
            new ConfigException.Problem("cache.ttl", "--cache.ttl=2s", "command line", "is given twice"),
            new ConfigException.Problem("redis.password", Config.MASK, "command line", "is given twice"),
            new ConfigException.Problem("cache.max-size", "lots", "command line --cache.max-size",
                "expected a size such as 512, 64KiB, 64MiB or 1GB")))
        .hasMessageNotContaining("hunter");
    assertThatThrownBy(() -> Config.builder().commandLine().commandLine("--a"))
        .isInstanceOf(IllegalStateException.class).hasMessage("commandLine was already set to []");
  }
}
