package dev.layerkit.spring.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.gateway.ratelimit.Limit;
import dev.layerkit.gateway.ratelimit.RateLimitPolicy;
import dev.layerkit.gateway.ratelimit.RateLimiters;
import dev.layerkit.spring.LayerkitProperties;
import dev.layerkit.spring.LayerkitProperties.KeySource;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

class RateLimitRulesTest {

  private static RateLimitRules rules(List<String> trustedProxies) {
    LayerkitProperties.Web web = new LayerkitProperties.Web();
    LayerkitProperties.Rule writes = new LayerkitProperties.Rule();
    writes.setPaths(List.of("/orders/**"));
    writes.setMethods(List.of("post"));
    writes.setLimiter("writes");
    LayerkitProperties.Rule reads = new LayerkitProperties.Rule();
    reads.setPaths(List.of("/orders/**", "/items/{id}"));
    reads.setLimiter("reads");
    web.setRules(List.of(writes, reads));
    web.setTrustedProxies(trustedProxies);
    RateLimiterRegistry registry = new RateLimiterRegistry(Map.of(
        "writes", RateLimiters.inMemory(RateLimitPolicy.of(Limit.perSecond(1))).build(),
        "reads", RateLimiters.inMemory(RateLimitPolicy.of(Limit.perSecond(1))).build()), Set.of());
    return RateLimitRules.of(web, registry);
  }

  @Test
  void firstRuleWhoseMethodAndPathMatchApplies() {
    RateLimitRules rules = rules(List.of());
    assertThat(rules.match(request("POST", "/orders/7", "10.1.1.1")).limiterName()).isEqualTo("writes");
    assertThat(rules.match(request("GET", "/orders/7", "10.1.1.1")).limiterName()).isEqualTo("reads");
    assertThat(rules.match(request("GET", "/items/3", "10.1.1.1")).limiterName()).isEqualTo("reads");
    assertThat(rules.match(request("GET", "/items/3/parts", "10.1.1.1"))).isNull();
  }

  @Test
  void clientIpIsThePeerUnlessThePeerIsATrustedProxy() {
    RequestView forwarded = request("GET", "/orders", "10.0.0.5", "X-Forwarded-For", "203.0.113.9, 10.0.0.4");
    assertThat(rules(List.of()).key(KeySource.IP, forwarded, null)).isEqualTo("ip:10.0.0.5");
    assertThat(rules(List.of("10.0.0.0/8")).key(KeySource.IP, forwarded, null)).isEqualTo("ip:203.0.113.9");
  }

  @Test
  void apiKeyAndPrincipalKeysFallBackToTheClientIp() {
    RateLimitRules rules = rules(List.of());
    assertThat(rules.key(KeySource.API_KEY, request("GET", "/", "10.0.0.5", "X-API-Key", "k1"), null))
        .isEqualTo("key:k1");
    assertThat(rules.key(KeySource.API_KEY, request("GET", "/", "10.0.0.5"), null)).isEqualTo("ip:10.0.0.5");
    assertThat(rules.key(KeySource.PRINCIPAL, request("GET", "/", "10.0.0.5"), "ann")).isEqualTo("user:ann");
    assertThat(rules.key(KeySource.PRINCIPAL, request("GET", "/", "10.0.0.5"), null)).isEqualTo("ip:10.0.0.5");
  }

  private static RequestView request(String method, String path, String peer, String... headers) {
    return new RequestView() {
      @Override
      public String method() {
        return method;
      }

      @Override
      public String path() {
        return path;
      }

      @Override
      public @Nullable String header(String name) {
        List<String> values = headers(name);
        return values.isEmpty() ? null : values.get(0);
      }

      @Override
      public List<String> headers(String name) {
        for (int i = 0; i < headers.length; i += 2) {
          if (headers[i].equalsIgnoreCase(name)) {
            return Arrays.asList(headers[i + 1]);
          }
        }
        return List.of();
      }

      @Override
      public InetSocketAddress remoteAddress() {
        return new InetSocketAddress(peer, 1234);
      }
    };
  }
}
