package dev.layerkit.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.spring.internal.LayerkitPropertiesFailureAnalyzer;
import dev.layerkit.spring.ratelimit.RateLimitAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.bind.validation.BindValidationException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

class LayerkitPropertiesTest {

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(RateLimitAutoConfiguration.class));

  @Test
  void everyInvalidSettingIsReportedAtOnceWithItsPropertyAndFix() {
    runner.withPropertyValues(
            "layerkit.ratelimit.limiters.api.limits[0].permits=0",
            "layerkit.ratelimit.limiters.api.limits[0].period=1s",
            "layerkit.ratelimit.limiters.search.limits[0].permits=10",
            "layerkit.ratelimit.web.rules[0].paths=/api/**",
            "layerkit.ratelimit.web.rules[0].limiter=apii",
            "layerkit.ratelimit.web.trusted-proxies=10.0.0.1/8",
            "layerkit.cache.defaults.ttl-jitter-percent=150")
        .run(context -> {
          assertThat(context).hasFailed();
          Throwable failure = context.getStartupFailure();
          assertThat(failure).hasRootCauseInstanceOf(BindValidationException.class);
          FailureAnalysis analysis = new LayerkitPropertiesFailureAnalyzer().analyze(failure);
          assertThat(analysis).isNotNull();
          assertThat(analysis.getDescription())
              .contains("5 problems")
              .contains("layerkit.ratelimit.limiters[api].limits[0].permits = 0: must be at least 1 but was 0")
              .contains("layerkit.ratelimit.limiters[search].limits[0].period: is required")
              .contains("layerkit.ratelimit.web.rules[0].limiter = apii: no limiter is named 'apii'")
              .contains("layerkit.ratelimit.web.trusted-proxies[0]")
              .contains("layerkit.cache.defaults.ttl-jitter-percent = 150.0: must be from 0 to 100");
          assertThat(analysis.getAction())
              .contains("define layerkit.ratelimit.limiters.apii or use one of [api, search]")
              .contains("set the refill period, for example 1s or 1m")
              .contains("10.0.0.0/8");
        });
  }

  @Test
  void ruleAskingMorePermitsThanTheBurstCouldNeverPassAndFailsTheStart() {
    runner.withPropertyValues(
            "layerkit.ratelimit.limiters.api.limits[0].permits=5",
            "layerkit.ratelimit.limiters.api.limits[0].period=1s",
            "layerkit.ratelimit.web.rules[0].paths=/api/**",
            "layerkit.ratelimit.web.rules[0].limiter=api",
            "layerkit.ratelimit.web.rules[0].permits=6")
        .run(context -> {
          FailureAnalysis analysis = new LayerkitPropertiesFailureAnalyzer().analyze(context.getStartupFailure());
          assertThat(analysis.getDescription()).contains("layerkit.ratelimit.web.rules[0].permits = 6")
              .contains("must not exceed the burst 5 of limiter 'api'");
        });
  }

  @Test
  void misspelledPropertyFailsTheStartNamingIt() {
    runner.withPropertyValues("layerkit.ratelimit.limiterz.api.limits[0].permits=5")
        .run(context -> {
          assertThat(context).hasFailed();
          assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("layerkit.ratelimit");
          assertThat(failureText(context.getStartupFailure())).contains("layerkit.ratelimit.limiterz");
        });
  }

  @Test
  void misspelledNestedPropertyOfANamedLimiterFailsTheStartToo() {
    runner.withPropertyValues("layerkit.ratelimit.limiters.api.limits[0].permits=5",
            "layerkit.ratelimit.limiters.api.limits[0].period=1s",
            "layerkit.ratelimit.limiters.api.limits[0].brust=10")
        .run(context -> {
          assertThat(context).hasFailed();
          assertThat(failureText(context.getStartupFailure())).contains("brust");
        });
  }

  @Test
  void unknownBackendFailsTheStartNamingTheProperty() {
    runner.withPropertyValues("layerkit.ratelimit.backend=mongo")
        .run(context -> {
          assertThat(context).hasFailed();
          assertThat(failureText(context.getStartupFailure())).contains("layerkit.ratelimit.backend")
              .contains("mongo");
        });
  }

  @Test
  void validSettingsStart() {
    runner.withPropertyValues(
            "layerkit.ratelimit.limiters.api.limits[0].permits=5",
            "layerkit.ratelimit.limiters.api.limits[0].period=1s",
            "layerkit.ratelimit.limiters.api.limits[1].permits=100",
            "layerkit.ratelimit.limiters.api.limits[1].period=1h",
            "layerkit.ratelimit.limiters.api.limits[1].burst=20",
            "layerkit.ratelimit.web.rules[0].paths=/api/**",
            "layerkit.ratelimit.web.rules[0].limiter=api",
            "layerkit.ratelimit.web.trusted-proxies=10.0.0.0/8,::1")
        .run(context -> assertThat(context).hasNotFailed().hasSingleBean(LayerkitProperties.class));
  }

  private static String failureText(Throwable failure) {
    StringBuilder text = new StringBuilder();
    for (Throwable t = failure; t != null; t = t.getCause()) {
      text.append(t.getMessage()).append('\n');
    }
    return text.toString();
  }
}
