package dev.layerkit.spring.internal;

import dev.layerkit.gateway.http.TrustedProxies;
import dev.layerkit.gateway.ratelimit.Limit;
import dev.layerkit.spring.LayerkitProperties;
import dev.layerkit.spring.LayerkitProperties.Backend;
import dev.layerkit.spring.LayerkitProperties.CacheSpec;
import dev.layerkit.spring.LayerkitProperties.LimitSpec;
import dev.layerkit.spring.LayerkitProperties.Limiter;
import dev.layerkit.spring.LayerkitProperties.Rule;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.util.ClassUtils;
import org.springframework.validation.Errors;
import org.springframework.web.util.pattern.PathPatternParser;
import org.springframework.web.util.pattern.PatternParseException;

/**
 * One run of the checks of {@link LayerkitProperties}: every problem becomes a field error whose
 * code is {@link #ERROR_CODE}, whose default message says what is wrong and whose first argument
 * says how to fix it. Checks go on after a problem, so a start reports them all.
 */
public final class PropertiesValidation {

  /** The code of every error recorded here. */
  public static final String ERROR_CODE = "layerkit.invalid";

  private static final Set<String> HTTP_METHODS =
      Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE");

  private static final boolean WEB_PRESENT = ClassUtils.isPresent(
      "org.springframework.web.util.pattern.PathPatternParser", PropertiesValidation.class.getClassLoader());

  private final LayerkitProperties properties;
  private final Errors errors;

  /**
   * Prepares a run.
   *
   * @param properties the bound properties
   * @param errors where problems go
   */
  public PropertiesValidation(LayerkitProperties properties, Errors errors) {
    this.properties = properties;
    this.errors = errors;
  }

  /** Checks everything. */
  public void run() {
    rateLimits();
    caches();
    idempotency();
    services();
    repositories();
    events();
  }

  private static final java.util.regex.Pattern SQL_NAME = java.util.regex.Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  private void repositories() {
    for (Map.Entry<String, LayerkitProperties.RepositorySettings> entry : properties.getRepositories().entrySet()) {
      String path = "repositories[" + entry.getKey() + "]";
      LayerkitProperties.RepositorySettings repository = entry.getValue();
      String table = repository.getTable() != null ? repository.getTable() : entry.getKey();
      List<LayerkitProperties.ShardSettings> shards = repository.getShards();
      boolean jdbc = shards.stream().anyMatch(shard -> shard.getMongoDatabase() == null);
      if (jdbc && !SQL_NAME.matcher(table).matches()) {
        reject(path + ".table", "'" + table + "' is not a table name " + SQL_NAME.pattern()
                + (repository.getTable() == null ? " (it defaults to the repository's name)" : ""),
            "set table to lower-case letters, digits and _, for example orders");
      }
      if (repository.getDescriptor() != null && repository.getDescriptor().isBlank()) {
        reject(path + ".descriptor", "must not be blank", "name an EntityDescriptor bean, or leave it out"
            + " when there is exactly one");
      }
      if (shards.isEmpty()) {
        reject(path + ".shards", "a sharded repository needs at least one shard",
            "add layerkit.repositories." + entry.getKey() + ".shards[0].data-source=<DataSource bean>"
                + " (or jdbc-url, or mongo-database)");
      }
      for (int i = 0; i < shards.size(); i++) {
        shard(path + ".shards[" + i + "]", shards.get(i));
      }
      notNegative(path + ".scatter-timeout", repository.getScatterTimeout());
      notNegative(path + ".unavailable-for", repository.getUnavailableFor());
    }
  }

  private void shard(String path, LayerkitProperties.ShardSettings shard) {
    int sources = (shard.getDataSource() != null ? 1 : 0) + (shard.getJdbcUrl() != null ? 1 : 0)
        + (shard.getMongoDatabase() != null ? 1 : 0);
    if (sources != 1) {
      reject(path, sources == 0 ? "names no data source, JDBC URL or MongoDB database"
              : "names more than one of data-source, jdbc-url and mongo-database",
          "give exactly one of data-source (a DataSource bean), jdbc-url (jdbc:postgresql://...)"
              + " or mongo-database");
    }
    String url = shard.getJdbcUrl();
    if (url != null && !url.startsWith("jdbc:postgresql:")) {
      reject(path + ".jdbc-url", "'" + url + "' is not a PostgreSQL JDBC URL",
          "write it as jdbc:postgresql://host:5432/database");
    }
    if (url == null && (shard.getUser() != null || shard.getPassword() != null)) {
      reject(path + (shard.getUser() != null ? ".user" : ".password"), "is only for jdbc-url",
          "set the credentials on the DataSource bean, or use jdbc-url");
    }
    if (shard.getSchema() != null && !SQL_NAME.matcher(shard.getSchema()).matches()) {
      reject(path + ".schema", "'" + shard.getSchema() + "' is not a schema name " + SQL_NAME.pattern(),
          "use lower-case letters, digits and _, for example shard_0");
    }
    if (shard.getSchema() != null && shard.getMongoDatabase() != null) {
      reject(path + ".schema", "is for JDBC shards only", "leave it out of a mongo-database shard");
    }
    if (shard.getMongoClient() != null && shard.getMongoDatabase() == null) {
      reject(path + ".mongo-client", "is only for mongo-database", "set mongo-database, or leave mongo-client out");
    }
  }

  private void events() {
    LayerkitProperties.MemoryEvents memory = properties.getEvents().getMemory();
    if (memory.getPartitions() < 1) {
      reject("events.memory.partitions", "must be at least 1 but was " + memory.getPartitions(),
          "set the partitions of a topic, for example 4");
    }
    if (memory.getRetention() < 1) {
      reject("events.memory.retention", "must be at least 1 but was " + memory.getRetention(),
          "set the records kept per partition, for example 10000");
    }
  }

  private void services() {
    for (Map.Entry<String, LayerkitProperties.Service> entry : properties.getServices().entrySet()) {
      String path = "services[" + entry.getKey() + "]";
      LayerkitProperties.Service service = entry.getValue();
      boolean dns = service.getDnsHost() != null && !service.getDnsHost().isBlank();
      if (dns == !service.getEndpoints().isEmpty()) {
        reject(path + ".endpoints", dns ? "both endpoints and dns-host are set" : "neither endpoints nor dns-host is set",
            "give either endpoints (host:port, ...) or dns-host with dns-port");
      }
      for (int i = 0; i < service.getEndpoints().size(); i++) {
        String endpoint = service.getEndpoints().get(i);
        if (hostPort(endpoint) == null) {
          reject(path + ".endpoints[" + i + "]", "'" + endpoint + "' is not host:port",
              "write it as host:port, for example inventory-1:8080 or [::1]:8080");
        }
      }
      if (dns && (service.getDnsPort() < 1 || service.getDnsPort() > 65535)) {
        reject(path + ".dns-port", "must be 1 to 65535 but was " + service.getDnsPort(), "set the service's port");
      }
      optionalPositive(path + ".deadline", service.getDeadline());
      optionalPositive(path + ".per-try-timeout", service.getPerTryTimeout());
      optionalPositive(path + ".connect-timeout", service.getConnectTimeout());
    }
  }

  /**
   * Splits {@code host:port} (an IPv6 host in brackets), or returns null if it is not that.
   *
   * @param endpoint the text
   * @return the host and the port, or null
   */
  public static Map.@Nullable Entry<String, Integer> hostPort(String endpoint) {
    String text = endpoint.trim();
    int colon = text.lastIndexOf(':');
    if (colon <= 0 || colon == text.length() - 1) {
      return null;
    }
    String host = text.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    } else if (host.indexOf(':') >= 0) {
      return null;
    }
    String port = text.substring(colon + 1);
    if (host.isBlank() || !port.matches("[0-9]{1,5}")) {
      return null;
    }
    int number = Integer.parseInt(port);
    return number < 1 || number > 65535 ? null : Map.entry(host, number);
  }

  private void optionalPositive(String path, @Nullable Duration duration) {
    if (duration != null) {
      positive(path, duration, "for example 2s");
    }
  }

  private void idempotency() {
    LayerkitProperties.IdempotencySettings settings = properties.getIdempotency();
    for (int i = 0; i < settings.getPaths().size(); i++) {
      String problem = WEB_PRESENT ? PathPatterns.problem(settings.getPaths().get(i)) : null;
      if (problem != null) {
        reject("idempotency.paths[" + i + "]", "is not a valid path pattern: " + problem,
            "use Spring's PathPattern syntax, for example /orders/**");
      }
    }
    for (int i = 0; i < settings.getMethods().size(); i++) {
      String method = settings.getMethods().get(i);
      if (!HTTP_METHODS.contains(method.toUpperCase(Locale.ROOT))) {
        reject("idempotency.methods[" + i + "]", "'" + method + "' is not an HTTP method", "use one of " + HTTP_METHODS);
      }
    }
    if (settings.getBackend() == Backend.TIERED) {
      reject("idempotency.backend", "TIERED is for caches only", "use AUTO, MEMORY or REDIS");
    }
    if (settings.getHeader() == null || settings.getHeader().isBlank()) {
      reject("idempotency.header", "must not be blank", "name the header, for example Idempotency-Key");
    }
    if (settings.getName() == null || settings.getName().isBlank()) {
      reject("idempotency.name", "must not be blank", "name it, for example http");
    }
    positive("idempotency.ttl", settings.getTtl(), "for example 24h");
    if (settings.getMaxBodyBytes() < 0) {
      reject("idempotency.max-body-bytes", "must not be negative but was " + settings.getMaxBodyBytes(),
          "set a limit such as 1048576");
    }
  }

  private void rateLimits() {
    LayerkitProperties.RateLimit ratelimit = properties.getRatelimit();
    if (ratelimit.getBackend() == Backend.TIERED) {
      reject("ratelimit.backend", "TIERED is for caches only", "use AUTO, MEMORY or REDIS");
    }
    positive("ratelimit.redis-timeout", ratelimit.getRedisTimeout(), "for example 100ms");
    for (Map.Entry<String, Limiter> entry : ratelimit.getLimiters().entrySet()) {
      String path = "ratelimit.limiters[" + entry.getKey() + "]";
      Limiter limiter = entry.getValue();
      if (limiter.getBackend() == Backend.TIERED) {
        reject(path + ".backend", "TIERED is for caches only", "use AUTO, MEMORY or REDIS");
      }
      prefix(path + ".key-prefix", limiter.getKeyPrefix());
      List<LimitSpec> limits = limiter.getLimits();
      if (limits.isEmpty()) {
        reject(path + ".limits", "a limiter needs at least one limit",
            "add " + "layerkit." + path.replace('[', '.').replace("]", "")
                + ".limits[0].permits=100 and .period=1m");
      }
      for (int i = 0; i < limits.size(); i++) {
        limit(path + ".limits[" + i + "]", limits.get(i));
      }
    }
    LayerkitProperties.Web web = ratelimit.getWeb();
    if (web.getApiKeyHeader() == null || web.getApiKeyHeader().isBlank()) {
      reject("ratelimit.web.api-key-header", "must not be blank", "name the header, for example X-API-Key");
    }
    List<String> proxies = web.getTrustedProxies();
    for (int i = 0; i < proxies.size(); i++) {
      try {
        TrustedProxies.of(proxies.get(i));
      } catch (IllegalArgumentException e) {
        reject("ratelimit.web.trusted-proxies[" + i + "]", e.getMessage(),
            "give an IP address or a CIDR range such as 10.0.0.0/8");
      }
    }
    List<Rule> rules = web.getRules();
    for (int i = 0; i < rules.size(); i++) {
      rule("ratelimit.web.rules[" + i + "]", rules.get(i), ratelimit.getLimiters());
    }
  }

  private void limit(String path, LimitSpec spec) {
    boolean complete = true;
    if (spec.getPermits() < 1) {
      reject(path + ".permits", "must be at least 1 but was " + spec.getPermits(),
          "set the permits added back per period, for example 100");
      complete = false;
    }
    Duration period = spec.getPeriod();
    if (period == null) {
      reject(path + ".period", "is required", "set the refill period, for example 1s or 1m");
      complete = false;
    } else if (period.compareTo(Limit.MIN_PERIOD) < 0 || period.compareTo(Limit.MAX_PERIOD) > 0) {
      reject(path + ".period", "must be between 1ms and 366d but was " + period,
          "set a period such as 1s, 1m or 1h");
      complete = false;
    }
    Long burst = spec.getBurst();
    if (burst != null && burst < 1) {
      reject(path + ".burst", "must be at least 1 but was " + burst,
          "leave it out (it defaults to permits) or set the largest burst");
      complete = false;
    }
    if (complete) {
      try {
        spec.toLimit();
      } catch (IllegalArgumentException e) {
        reject(path, e.getMessage(), "choose permits, burst and period the limiter can count exactly"
            + " (smaller numbers or a longer period)");
      }
    }
  }

  private void rule(String path, Rule rule, Map<String, Limiter> limiters) {
    if (rule.getPaths().isEmpty()) {
      reject(path + ".paths", "a rule needs at least one path pattern", "add a pattern such as /api/**");
    }
    for (int i = 0; i < rule.getPaths().size(); i++) {
      String problem = WEB_PRESENT ? PathPatterns.problem(rule.getPaths().get(i)) : null;
      if (problem != null) {
        reject(path + ".paths[" + i + "]", "is not a valid path pattern: " + problem,
            "use Spring's PathPattern syntax, for example /api/** or /orders/{id}");
      }
    }
    for (int i = 0; i < rule.getMethods().size(); i++) {
      String method = rule.getMethods().get(i);
      if (!HTTP_METHODS.contains(method.toUpperCase(Locale.ROOT))) {
        reject(path + ".methods[" + i + "]", "'" + method + "' is not an HTTP method",
            "use one of " + HTTP_METHODS);
      }
    }
    String name = rule.getLimiter();
    if (name == null || name.isBlank()) {
      reject(path + ".limiter", "is required", "name a limiter defined under layerkit.ratelimit.limiters "
          + (limiters.isEmpty() ? "(none is defined)" : limiters.keySet().toString()));
      return;
    }
    Limiter limiter = limiters.get(name);
    if (limiter == null) {
      reject(path + ".limiter", "no limiter is named '" + name + "'",
          "define layerkit.ratelimit.limiters." + name + " or use one of " + limiters.keySet());
      return;
    }
    if (rule.getPermits() < 1) {
      reject(path + ".permits", "must be at least 1 but was " + rule.getPermits(), "leave it out for 1");
      return;
    }
    for (LimitSpec spec : limiter.getLimits()) {
      long capacity = spec.getBurst() != null ? spec.getBurst() : spec.getPermits();
      if (capacity >= 1 && rule.getPermits() > capacity) {
        reject(path + ".permits", "must not exceed the burst " + capacity + " of limiter '" + name
                + "' (such a request could never pass) but was " + rule.getPermits(),
            "take at most " + capacity + " permits, or raise the limiter's burst");
        return;
      }
    }
  }

  private void caches() {
    LayerkitProperties.Cache cache = properties.getCache();
    prefix("cache.key-prefix", cache.getKeyPrefix());
    positive("cache.redis-timeout", cache.getRedisTimeout(), "for example 100ms");
    atLeastOneMilli("cache.lock-lease", cache.getLockLease());
    notNegative("cache.lock-wait", cache.getLockWait());
    spec("cache.defaults", cache.getDefaults());
    for (Map.Entry<String, CacheSpec> entry : cache.getCaches().entrySet()) {
      spec("cache.caches[" + entry.getKey() + "]", entry.getValue());
    }
  }

  private void spec(String path, CacheSpec spec) {
    if (spec.getTtl() != null) {
      atLeastOneMilli(path + ".ttl", spec.getTtl());
    }
    Double jitter = spec.getTtlJitterPercent();
    if (jitter != null && !(jitter >= 0 && jitter <= 100)) {
      reject(path + ".ttl-jitter-percent", "must be from 0 to 100 but was " + jitter,
          "set a percent such as 10");
    }
    if (spec.getNegativeTtl() != null) {
      notNegative(path + ".negative-ttl", spec.getNegativeTtl());
    }
    if (spec.getStaleWhileRevalidate() != null) {
      notNegative(path + ".stale-while-revalidate", spec.getStaleWhileRevalidate());
    }
    Double beta = spec.getEarlyRefreshBeta();
    if (beta != null && !(beta >= 0 && Double.isFinite(beta))) {
      reject(path + ".early-refresh-beta", "must be a finite number >= 0 but was " + beta,
          "use 0 (off) or 1 (the paper's optimum)");
    }
    Long size = spec.getMaximumSize();
    if (size != null && size < 1) {
      reject(path + ".maximum-size", "must be at least 1 but was " + size, "set a bound such as 10000");
    }
    if (spec.getLocalTtl() != null) {
      atLeastOneMilli(path + ".local-ttl", spec.getLocalTtl());
    }
  }

  private void prefix(String path, @Nullable String prefix) {
    if (prefix != null && (prefix.isEmpty() || prefix.indexOf('{') >= 0 || prefix.indexOf('}') >= 0)) {
      reject(path, "must be non-empty and without braces but was '" + prefix + "'",
          "use a prefix such as myapp:ratelimit: (Layerkit adds the hash-tag braces itself)");
    }
  }

  private void positive(String path, @Nullable Duration duration, String example) {
    if (duration == null || duration.isNegative() || duration.isZero()) {
      reject(path, "must be positive but was " + duration, "set a duration, " + example);
    }
  }

  private void atLeastOneMilli(String path, Duration duration) {
    if (duration.toMillis() < 1) {
      reject(path, "must be at least 1ms but was " + duration, "set a duration such as 5m");
    }
  }

  private void notNegative(String path, Duration duration) {
    if (duration.isNegative()) {
      reject(path, "must not be negative but was " + duration, "use 0 to turn it off, or a positive duration");
    }
  }

  /** Apart, so that this class loads without spring-web. */
  private static final class PathPatterns {
    static @Nullable String problem(String pattern) {
      try {
        PathPatternParser.defaultInstance.parse(pattern);
        return null;
      } catch (PatternParseException e) {
        return e.getMessage();
      }
    }
  }

  private void reject(String field, @Nullable String problem, String fix) {
    errors.rejectValue(field, ERROR_CODE, new Object[] {fix, "layerkit." + field},
        problem == null ? "is invalid" : problem);
  }
}
