package dev.layerkit.infra;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.layerkit.core.internal.BuilderSettings;
import dev.layerkit.core.time.Durations;
import dev.layerkit.infra.internal.Values;
import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Typed, validated settings bound from the command line, system properties, environment
 * variables, a file and defaults, in that order of precedence.
 *
 * <pre>{@code
 * static final Config.Setting<Duration> CACHE_TTL = Config.Setting.duration("cache.ttl").defaultValue(Duration.ofSeconds(30));
 * static final Config.Setting<Long> CACHE_SIZE = Config.Setting.size("cache.max-size").defaultValue(64L << 20);
 * static final Config.Setting<URI> REDIS_URL = Config.Setting.url("redis.url");              // required
 * static final Config.Setting<String> REDIS_PASSWORD = Config.Setting.string("redis.password").secret();
 *
 * Config config = Config.builder()
 *     .settings(CACHE_TTL, CACHE_SIZE, REDIS_URL, REDIS_PASSWORD)
 *     .file(Path.of("/etc/orders/app.yaml"))
 *     .commandLine(args)                          // --cache.ttl=5s wins over everything
 *     .build();                                   // ConfigException lists every bad setting
 * Duration ttl = config.get(CACHE_TTL);
 * }</pre>
 *
 * <h2>Sources</h2>
 *
 * <p>A setting named {@code cache.max-size} is read from, first match wins, so the precedence
 * is defaults &lt; file &lt; environment &lt; system properties &lt; command line:
 * <ol>
 *   <li>the command line given to {@link Builder#commandLine(String...)}:
 *       {@code --cache.max-size=64MiB}; a boolean setting may be given bare, {@code --tracing}
 *       meaning {@code true};
 *   <li>the system property {@code cache.max-size};
 *   <li>the environment variable {@code LAYERKIT_CACHE_MAX_SIZE} (the prefix, then the name in
 *       upper case with {@code .} and {@code -} as {@code _});
 *   <li>the file: a {@code .properties} file by key, or a {@code .yaml}/{@code .yml} file by
 *       nested keys ({@code cache: {max-size: 64MiB}}) or a dotted key;
 *   <li>the setting's default. A setting without a default is required.
 * </ol>
 *
 * <h2>Values</h2>
 *
 * <p>Durations are in Layerkit's one grammar, {@link Durations}: a whole number and a unit,
 * {@code ns us ms s m h d} ({@code 250ms}, {@code 5s}), or ISO-8601 ({@code PT5S}). Sizes are bytes, with an optional binary
 * ({@code KiB MiB GiB TiB}) or decimal ({@code KB MB GB TB}) unit ({@code 64MiB}). URLs must be
 * absolute with a host. Enums match their constant's name ignoring case, with {@code -} for
 * {@code _}. Booleans are {@code true} or {@code false}.
 *
 * <h2>Failure and secrets</h2>
 *
 * <p>{@link Builder#build()} checks every setting and throws one {@link ConfigException} listing
 * each invalid or missing setting with its value and source. A setting marked
 * {@link Setting#secret()} is shown as {@value #MASK} by {@link #toString()},
 * {@link #maskedValues()} (what {@code /info} shows) and in error messages.
 *
 * <p>Immutable and thread-safe once built.
 */
public final class Config {

  /** The default prefix of environment variable names. */
  public static final String DEFAULT_ENV_PREFIX = "LAYERKIT_";
  /** What a secret's value is replaced by wherever it is shown. */
  public static final String MASK = "******";

  private static final Logger LOG = LoggerFactory.getLogger(Config.class);
  private static final String DEFAULT_SOURCE = "default";
  private static final String COMMAND_LINE = "command line";

  private final Map<String, Bound<?>> values;

  private Config(Map<String, Bound<?>> values) {
    this.values = values;
  }

  /**
   * Returns a builder that reads the real system properties and environment.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns a setting's value.
   *
   * @param setting a setting given to the builder
   * @param <T> the setting's type
   * @return its value, never null
   * @throws NullPointerException if {@code setting} is null
   * @throws IllegalArgumentException if the setting was not given to the builder
   */
  public <T> T get(Setting<T> setting) {
    return setting.type.cast(bound(setting).value);
  }

  /**
   * Returns where a setting's value came from, for example
   * {@code "environment variable LAYERKIT_CACHE_TTL"} or {@code "default"}.
   *
   * @param setting a setting given to the builder
   * @return its source
   * @throws NullPointerException if {@code setting} is null
   * @throws IllegalArgumentException if the setting was not given to the builder
   */
  public String source(Setting<?> setting) {
    return bound(setting).source;
  }

  private Bound<?> bound(Setting<?> setting) {
    Objects.requireNonNull(setting, "setting");
    Bound<?> bound = values.get(setting.name);
    if (bound == null || bound.setting != setting) {
      throw new IllegalArgumentException("setting '" + setting.name + "' is not part of this config");
    }
    return bound;
  }

  /**
   * Returns every setting's value as text, in declaration order, with secrets replaced by
   * {@value #MASK}; this is what {@code AdminServer} shows on {@code /info}.
   *
   * @return names to displayed values, unmodifiable
   */
  public Map<String, String> maskedValues() {
    Map<String, String> shown = new LinkedHashMap<>();
    values.forEach((name, bound) -> shown.put(name, bound.display()));
    return Collections.unmodifiableMap(shown);
  }

  /** Returns every setting with its masked value and its source. */
  @Override
  public String toString() {
    return values.values().stream()
        .map(b -> b.setting.name + "=" + b.display() + " (" + b.source + ")")
        .collect(Collectors.joining(", ", "Config{", "}"));
  }

  private static final class Bound<T> {
    final Setting<T> setting;
    final T value;
    final String source;

    Bound(Setting<T> setting, T value, String source) {
      this.setting = setting;
      this.value = value;
      this.source = source;
    }

    String display() {
      return setting.secret ? MASK : setting.formatter.apply(value);
    }
  }

  /**
   * A named, typed setting with an optional default; immutable, so settings are usually
   * constants.
   *
   * @param <T> the value type
   */
  public static final class Setting<T> {
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9]*([.-][a-z0-9]+)*");

    private final String name;
    private final Class<T> type;
    private final String expected;
    private final Function<String, T> parser;
    private final Function<T, String> formatter;
    private final @Nullable T defaultValue;
    private final boolean secret;
    private final @Nullable Predicate<? super T> constraint;
    private final String requirement;

    private Setting(String name, Class<T> type, String expected, Function<String, T> parser,
        Function<T, String> formatter, @Nullable T defaultValue, boolean secret,
        @Nullable Predicate<? super T> constraint, String requirement) {
      this.name = name;
      this.type = type;
      this.expected = expected;
      this.parser = parser;
      this.formatter = formatter;
      this.defaultValue = defaultValue;
      this.secret = secret;
      this.constraint = constraint;
      this.requirement = requirement;
    }

    private static <T> Setting<T> of(String name, Class<T> type, String expected, Function<String, T> parser,
        Function<T, String> formatter) {
      Objects.requireNonNull(name, "name");
      if (!NAME.matcher(name).matches()) {
        throw new IllegalArgumentException(
            "name must be lower-case words separated by '.' or '-', such as cache.max-size, but was '" + name + "'");
      }
      return new Setting<>(name, type, expected, parser, formatter, null, false, null, "");
    }

    /**
     * Returns a duration setting in {@link Durations}' grammar: {@code 250ms}, {@code 5s},
     * {@code 2m}, {@code 1h}, {@code 1d} or ISO-8601.
     *
     * @param name the name, for example {@code cache.ttl}
     * @return a required setting
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is not lower-case dotted words
     */
    public static Setting<Duration> duration(String name) {
      return of(name, Duration.class, Durations.GRAMMAR, Durations::parse, Durations::format);
    }

    /**
     * Returns a size setting in bytes: {@code 512}, {@code 64KiB}, {@code 64MiB}, {@code 1GB}.
     *
     * @param name the name
     * @return a required setting
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is not lower-case dotted words
     */
    public static Setting<Long> size(String name) {
      return of(name, Long.class, "a size such as 512, 64KiB, 64MiB or 1GB", Values::parseSize, Values::formatSize);
    }

    /**
     * Returns a URL setting: absolute, with a scheme and a host, such as
     * {@code redis://cache-1:6379}.
     *
     * @param name the name
     * @return a required setting
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is not lower-case dotted words
     */
    public static Setting<URI> url(String name) {
      return of(name, URI.class, "an absolute URL such as redis://cache-1:6379", Values::parseUrl, URI::toString);
    }

    /**
     * Returns an enum setting; values match constant names ignoring case, {@code -} for {@code _}.
     *
     * @param name the name
     * @param type the enum class
     * @param <E> the enum type
     * @return a required setting
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code name} is not lower-case dotted words
     */
    public static <E extends Enum<E>> Setting<E> enumValue(String name, Class<E> type) {
      Objects.requireNonNull(type, "type");
      String allowed = Arrays.stream(type.getEnumConstants())
          .map(e -> e.name().toLowerCase(Locale.ROOT).replace('_', '-')).collect(Collectors.joining(", "));
      return of(name, type, "one of " + allowed, text -> Values.parseEnum(text, type),
          e -> e.name().toLowerCase(Locale.ROOT).replace('_', '-'));
    }

    /**
     * Returns an integer setting.
     *
     * @param name the name
     * @return a required setting
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is not lower-case dotted words
     */
    public static Setting<Integer> integer(String name) {
      return of(name, Integer.class, "an integer", text -> Integer.valueOf(text.trim()), String::valueOf);
    }

    /**
     * Returns a boolean setting: {@code true} or {@code false}, ignoring case.
     *
     * @param name the name
     * @return a required setting
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is not lower-case dotted words
     */
    public static Setting<Boolean> bool(String name) {
      return of(name, Boolean.class, "true or false", Values::parseBoolean, String::valueOf);
    }

    /**
     * Returns a text setting.
     *
     * @param name the name
     * @return a required setting
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is not lower-case dotted words
     */
    public static Setting<String> string(String name) {
      return of(name, String.class, "text", text -> text, text -> text);
    }

    /**
     * Returns a copy of this setting with a default, which makes it optional.
     *
     * @param defaultValue the default
     * @return the new setting
     * @throws NullPointerException if {@code defaultValue} is null
     * @throws IllegalArgumentException if the default fails this setting's constraint
     * @throws IllegalStateException if this setting already has a default
     */
    public Setting<T> defaultValue(T defaultValue) {
      Objects.requireNonNull(defaultValue, "defaultValue");
      if (this.defaultValue != null) {
        throw new IllegalStateException("setting '" + name + "' already has a default");
      }
      if (constraint != null && !constraint.test(defaultValue)) {
        throw new IllegalArgumentException("default of '" + name + "' " + requirement + " but was " + defaultValue);
      }
      return new Setting<>(name, type, expected, parser, formatter, defaultValue, secret, constraint, requirement);
    }

    /**
     * Returns a copy of this setting marked secret: its value is masked wherever it is shown.
     *
     * @return the new setting
     */
    public Setting<T> secret() {
      return new Setting<>(name, type, expected, parser, formatter, defaultValue, true, constraint, requirement);
    }

    /**
     * Returns a copy of this setting with a constraint on parsed values.
     *
     * @param constraint what a valid value satisfies
     * @param requirement how a problem reads, for example {@code "must be > 0"}
     * @return the new setting
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if this setting already has a constraint
     * @throws IllegalArgumentException if the default fails the constraint
     */
    public Setting<T> require(Predicate<? super T> constraint, String requirement) {
      Objects.requireNonNull(constraint, "constraint");
      Objects.requireNonNull(requirement, "requirement");
      if (this.constraint != null) {
        throw new IllegalStateException("setting '" + name + "' already has a constraint");
      }
      if (defaultValue != null && !constraint.test(defaultValue)) {
        throw new IllegalArgumentException("default of '" + name + "' " + requirement + " but was " + defaultValue);
      }
      return new Setting<>(name, type, expected, parser, formatter, defaultValue, secret, constraint, requirement);
    }

    /**
     * Returns the setting's name.
     *
     * @return the name
     */
    public String name() {
      return name;
    }

    /**
     * Returns the environment variable this setting is read from with the default prefix.
     *
     * @return for example {@code LAYERKIT_CACHE_TTL}
     */
    public String environmentVariable() {
      return environmentVariable(DEFAULT_ENV_PREFIX);
    }

    String environmentVariable(String prefix) {
      return prefix + name.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /**
     * Returns whether the setting is secret.
     *
     * @return true if its value is masked
     */
    public boolean isSecret() {
      return secret;
    }

    /**
     * Returns the default, or null for a required setting.
     *
     * @return the default or null
     */
    public @Nullable T defaultValue() {
      return defaultValue;
    }

    @Override
    public String toString() {
      return "Setting[" + name + (secret ? ", secret" : "") + ']';
    }
  }

  /**
   * Collects settings and sources and binds them. Not thread-safe; each source may be given once.
   */
  public static final class Builder {
    private final Map<String, Setting<?>> declared = new LinkedHashMap<>();
    private final BuilderSettings settings = new BuilderSettings();
    private Properties systemProperties = System.getProperties();
    private Function<String, @Nullable String> environment = System::getenv;
    private String envPrefix = DEFAULT_ENV_PREFIX;
    private @Nullable Path file;
    private List<String> commandLine = List.of();

    private Builder() {}


    /**
     * Declares settings to bind.
     *
     * @param settings the settings
     * @return this builder
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if a setting with the same name was already declared
     */
    public Builder settings(Setting<?>... settings) {
      Objects.requireNonNull(settings, "settings");
      for (Setting<?> setting : settings) {
        Objects.requireNonNull(setting, "setting");
        if (declared.putIfAbsent(setting.name, setting) != null) {
          throw new IllegalStateException("setting '" + setting.name + "' was already declared");
        }
      }
      return this;
    }

    /**
     * Sets the system properties to read; default {@link System#getProperties()}, read at
     * {@link #build()}.
     *
     * @param systemProperties the properties
     * @return this builder
     * @throws NullPointerException if {@code systemProperties} is null
     * @throws IllegalStateException if already set
     */
    public Builder systemProperties(Properties systemProperties) {
      Objects.requireNonNull(systemProperties, "systemProperties");
      settings.requireUnset("systemProperties", this.systemProperties.size() + " properties");
      this.systemProperties = systemProperties;
      return this;
    }

    /**
     * Sets how environment variables are looked up; default {@link System#getenv(String)}. Tests
     * pass {@code Map.of(...)::get}.
     *
     * @param environment returns a variable's value or null
     * @return this builder
     * @throws NullPointerException if {@code environment} is null
     * @throws IllegalStateException if already set
     */
    public Builder environment(Function<String, @Nullable String> environment) {
      Objects.requireNonNull(environment, "environment");
      settings.requireUnset("environment", "a lookup function");
      this.environment = environment;
      return this;
    }

    /**
     * Sets the prefix of environment variable names; default {@value #DEFAULT_ENV_PREFIX}.
     *
     * @param envPrefix upper-case letters, digits and underscores, possibly empty
     * @return this builder
     * @throws NullPointerException if {@code envPrefix} is null
     * @throws IllegalArgumentException if it has other characters
     * @throws IllegalStateException if already set
     */
    public Builder envPrefix(String envPrefix) {
      Objects.requireNonNull(envPrefix, "envPrefix");
      if (!envPrefix.matches("[A-Z0-9_]*")) {
        throw new IllegalArgumentException("envPrefix must be upper-case letters, digits and '_' but was '" + envPrefix + "'");
      }
      settings.requireUnset("envPrefix", this.envPrefix);
      this.envPrefix = envPrefix;
      return this;
    }

    /**
     * Sets the file to read: {@code .properties}, {@code .yaml} or {@code .yml}. A file that
     * cannot be read or parsed is reported by {@link #build()} with the other problems.
     *
     * @param file the file
     * @return this builder
     * @throws NullPointerException if {@code file} is null
     * @throws IllegalArgumentException if the extension is none of those
     * @throws IllegalStateException if already set
     */
    public Builder file(Path file) {
      Objects.requireNonNull(file, "file");
      String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
      if (!name.endsWith(".properties") && !name.endsWith(".yaml") && !name.endsWith(".yml")) {
        throw new IllegalArgumentException("file must end in .properties, .yaml or .yml but was " + file);
      }
      settings.requireUnset("file", this.file);
      this.file = file;
      return this;
    }

    /**
     * Sets the command line to read, the source that wins over every other: {@code --name=value}
     * gives the setting {@code name}, and a bare {@code --name} gives a boolean setting
     * {@code true}. {@link #build()} reports as problems, with the other settings' problems, an
     * argument that is not such an option, an option that names no declared setting, an option
     * given twice, and a bare option of a setting that is not boolean.
     *
     * @param args the command line, as {@code main} receives it
     * @return this builder
     * @throws NullPointerException if {@code args} or an element is null
     * @throws IllegalStateException if already set
     */
    public Builder commandLine(String... args) {
      Objects.requireNonNull(args, "args");
      List<String> copy = List.of(args);
      settings.requireUnset("commandLine", this.commandLine);
      this.commandLine = copy;
      return this;
    }

    /** Reads {@code --name=value} and bare {@code --name} options, adding what is wrong to {@code problems}. */
    private Map<String, String> readCommandLine(List<ConfigException.Problem> problems) {
      Map<String, String> options = new LinkedHashMap<>();
      for (String arg : commandLine) {
        int equals = arg.indexOf('=');
        String name = arg.substring(arg.startsWith("--") ? 2 : 0, equals < 0 ? arg.length() : equals);
        Setting<?> setting = declared.get(name);
        String shown = setting != null && setting.secret ? MASK : arg;
        if (!arg.startsWith("--") || name.isEmpty()) {
          problems.add(new ConfigException.Problem("(command line)", shown, COMMAND_LINE,
              "is not an option such as --name=value"));
        } else if (setting == null) {
          problems.add(new ConfigException.Problem(name, shown, COMMAND_LINE,
              "is not a setting; known: --" + String.join(", --", declared.keySet())));
        } else if (equals < 0 && setting.type != Boolean.class) {
          problems.add(new ConfigException.Problem(name, shown, COMMAND_LINE,
              "needs a value: --" + name + "=<" + setting.expected + ">"));
        } else if (options.put(name, equals < 0 ? "true" : arg.substring(equals + 1)) != null) {
          problems.add(new ConfigException.Problem(name, shown, COMMAND_LINE, "is given twice"));
        }
      }
      return options;
    }

    /**
     * Binds and validates every declared setting.
     *
     * @return the config
     * @throws ConfigException listing every invalid or missing setting, with its value and source
     */
    public Config build() {
      List<ConfigException.Problem> problems = new ArrayList<>();
      Map<String, String> fileValues = new LinkedHashMap<>();
      String fileSource = "";
      if (file != null) {
        fileSource = "file " + file;
        try {
          fileValues = readFile(file);
        } catch (IOException | RuntimeException e) {
          problems.add(new ConfigException.Problem("(file)", file.toString(), fileSource,
              "cannot be read: " + e.getClass().getSimpleName() + ": " + e.getMessage()));
        }
      }
      Map<String, String> options = readCommandLine(problems);
      Map<String, Bound<?>> values = new LinkedHashMap<>();
      for (Setting<?> setting : declared.values()) {
        String raw = options.get(setting.name);
        String source = COMMAND_LINE + " --" + setting.name;
        if (raw == null) {
          raw = systemProperties.getProperty(setting.name);
          source = "system property " + setting.name;
        }
        if (raw == null) {
          String variable = setting.environmentVariable(envPrefix);
          raw = environment.apply(variable);
          source = "environment variable " + variable;
        }
        if (raw == null) {
          raw = fileValues.get(setting.name);
          source = fileSource;
        }
        bind(setting, raw, source, envPrefix, values, problems);
      }
      if (!problems.isEmpty()) {
        throw ConfigException.of(problems);
      }
      Config config = new Config(values);
      LOG.debug("bound {}", config);
      return config;
    }

    private static <T> void bind(Setting<T> setting, @Nullable String raw, String source, String envPrefix,
        Map<String, Bound<?>> values,
        List<ConfigException.Problem> problems) {
      if (raw == null) {
        T fallback = setting.defaultValue;
        if (fallback == null) {
          problems.add(new ConfigException.Problem(setting.name, "", "nowhere",
              "is required: set system property " + setting.name + " or environment variable "
                  + setting.environmentVariable(envPrefix) + " or add it to the file"));
        } else {
          values.put(setting.name, new Bound<>(setting, fallback, DEFAULT_SOURCE));
        }
        return;
      }
      String shown = setting.secret ? MASK : raw;
      T value;
      try {
        value = setting.parser.apply(raw);
      } catch (RuntimeException e) {
        problems.add(new ConfigException.Problem(setting.name, shown, source, "expected " + setting.expected));
        return;
      }
      if (setting.constraint != null && !setting.constraint.test(value)) {
        problems.add(new ConfigException.Problem(setting.name, shown, source, setting.requirement));
        return;
      }
      values.put(setting.name, new Bound<>(setting, value, source));
    }

    private static Map<String, String> readFile(Path file) throws IOException {
      Map<String, String> flat = new LinkedHashMap<>();
      String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
      if (name.endsWith(".properties")) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
          properties.load(reader);
        }
        for (String key : properties.stringPropertyNames()) {
          flat.put(key, properties.getProperty(key));
        }
        return flat;
      }
      try {
        JsonNode root = new YAMLMapper().readTree(file.toFile());
        if (root != null && !root.isMissingNode() && !root.isNull()) {
          if (!root.isObject()) {
            throw new IOException("the top level is not a mapping");
          }
          flatten("", root, flat);
        }
      } catch (JacksonException e) {
        throw new IOException(e.getOriginalMessage(), e);
      }
      return flat;
    }

    private static void flatten(String prefix, JsonNode node, Map<String, String> flat) {
      if (node.isObject()) {
        for (Map.Entry<String, JsonNode> field : node.properties()) {
          flatten(prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey(), field.getValue(), flat);
        }
      } else if (node.isArray()) {
        List<String> items = new ArrayList<>();
        node.forEach(item -> items.add(item.asText()));
        flat.put(prefix, String.join(",", items));
      } else if (!node.isNull()) {
        flat.put(prefix, node.asText());
      }
    }
  }
}
