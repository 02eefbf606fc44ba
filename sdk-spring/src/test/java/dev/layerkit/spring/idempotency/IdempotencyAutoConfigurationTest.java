package dev.layerkit.spring.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.service.idempotency.Idempotency;
import dev.layerkit.service.idempotency.IdempotencyKeyStores;
import dev.layerkit.spring.internal.LayerkitPropertiesFailureAnalyzer;
import jakarta.servlet.FilterChain;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

class IdempotencyAutoConfigurationTest {

  private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(IdempotencyAutoConfiguration.class));

  private final AtomicInteger runs = new AtomicInteger();

  /** The handler: reads the body the filter already read, answers 201 with it. */
  private final FilterChain handler = (request, response) -> {
    runs.incrementAndGet();
    String body = new String(request.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    MockHttpServletResponse http = (MockHttpServletResponse) unwrap(response);
    response.setContentType("text/plain");
    ((jakarta.servlet.http.HttpServletResponse) response).setStatus(201);
    ((jakarta.servlet.http.HttpServletResponse) response).setHeader("Location", "/orders/" + runs.get());
    response.getOutputStream().write(("created " + body).getBytes(StandardCharsets.UTF_8));
    assertThat(http).isNotNull();
  };

  private static Object unwrap(jakarta.servlet.ServletResponse response) {
    jakarta.servlet.ServletResponse r = response;
    while (r instanceof jakarta.servlet.ServletResponseWrapper wrapper) {
      r = wrapper.getResponse();
    }
    return r;
  }

  private static MockHttpServletRequest post(String path, String key, String body) {
    MockHttpServletRequest request = new MockHttpServletRequest("POST", path);
    if (key != null) {
      request.addHeader("Idempotency-Key", key);
    }
    request.setContent(body.getBytes(StandardCharsets.UTF_8));
    return request;
  }

  @SuppressWarnings("unchecked")
  private static IdempotencyFilter filter(org.springframework.context.ApplicationContext context) {
    return ((FilterRegistrationBean<IdempotencyFilter>) context.getBean("layerkitIdempotencyFilter")).getFilter();
  }

  @Test
  void aRetryIsReplayedAnotherBodyIs422AndTheHandlerRunsOnce() {
    runner.withPropertyValues("layerkit.idempotency.paths=/orders/**").run(context -> {
      IdempotencyFilter filter = filter(context);
      MockHttpServletResponse first = new MockHttpServletResponse();
      filter.doFilter(post("/orders", "k-1", "{\"sku\":1}"), first, handler);
      assertThat(first.getStatus()).isEqualTo(201);
      assertThat(first.getContentAsString()).isEqualTo("created {\"sku\":1}");

      MockHttpServletResponse retry = new MockHttpServletResponse();
      filter.doFilter(post("/orders", "k-1", "{\"sku\":1}"), retry, handler);
      assertThat(retry.getStatus()).isEqualTo(201);
      assertThat(retry.getContentAsString()).isEqualTo("created {\"sku\":1}");
      assertThat(retry.getHeader("Location")).isEqualTo("/orders/1");
      assertThat(retry.getHeader(IdempotencyFilter.REPLAYED_HEADER)).isEqualTo("true");

      MockHttpServletResponse reused = new MockHttpServletResponse();
      filter.doFilter(post("/orders", "k-1", "{\"sku\":2}"), reused, handler);
      assertThat(reused.getStatus()).isEqualTo(422);
      assertThat(runs).hasValue(1);
    });
  }

  @Test
  void withoutTheHeaderRequestsPassUnlessItIsRequired() {
    runner.withPropertyValues("layerkit.idempotency.paths=/orders/**").run(context -> {
      IdempotencyFilter filter = filter(context);
      filter.doFilter(post("/orders", null, "a"), new MockHttpServletResponse(), handler);
      filter.doFilter(post("/orders", null, "a"), new MockHttpServletResponse(), handler);
      assertThat(runs).hasValue(2);
    });
    runner.withPropertyValues("layerkit.idempotency.paths=/orders/**", "layerkit.idempotency.required=true")
        .run(context -> {
          MockHttpServletResponse response = new MockHttpServletResponse();
          filter(context).doFilter(post("/orders", null, "a"), response, handler);
          assertThat(response.getStatus()).isEqualTo(400);
          assertThat(response.getContentAsString()).contains("Idempotency-Key header is required");
        });
  }

  @Test
  void badKeyIs400AndOversizedBody413WithoutRunningTheHandler() {
    runner.withPropertyValues("layerkit.idempotency.paths=/orders/**", "layerkit.idempotency.max-body-bytes=4")
        .run(context -> {
          IdempotencyFilter filter = filter(context);
          MockHttpServletResponse tooLong = new MockHttpServletResponse();
          filter.doFilter(post("/orders", "x".repeat(Idempotency.MAX_KEY_LENGTH + 1), "a"), tooLong, handler);
          assertThat(tooLong.getStatus()).isEqualTo(400);
          assertThat(tooLong.getContentAsString()).doesNotContain("Exception");
          MockHttpServletResponse large = new MockHttpServletResponse();
          filter.doFilter(post("/orders", "k", "12345"), large, handler);
          assertThat(large.getStatus()).isEqualTo(413);
          assertThat(runs).hasValue(0);
        });
  }

  @Test
  void otherPathsAndMethodsAreUntouched() {
    runner.withPropertyValues("layerkit.idempotency.paths=/orders/**").run(context -> {
      IdempotencyFilter filter = filter(context);
      filter.doFilter(post("/items", "k", "a"), new MockHttpServletResponse(), handler);
      filter.doFilter(post("/items", "k", "a"), new MockHttpServletResponse(), handler);
      assertThat(runs).hasValue(2);
    });
  }

  @Test
  void anApplicationIdempotencyBeanIsTheOneTheFilterUses() {
    Idempotency own = Idempotency.builder(IdempotencyKeyStores.inMemory().name("own").build()).name("own").build();
    runner.withBean(Idempotency.class, () -> own).withPropertyValues("layerkit.idempotency.paths=/orders/**")
        .run(context -> {
          assertThat(context).hasSingleBean(Idempotency.class);
          assertThat(context.getBean(Idempotency.class)).isSameAs(own);
          assertThat(context).hasBean("layerkitIdempotencyFilter");
          assertThat(org.springframework.test.util.ReflectionTestUtils.getField(filter(context), "idempotency"))
              .isSameAs(own);
        });
  }

  @Test
  void withoutPathsThereIsNoFilter() {
    runner.run(context -> assertThat(context).doesNotHaveBean("layerkitIdempotencyFilter")
        .doesNotHaveBean(Idempotency.class));
  }

  @Test
  void badPatternFailsTheStart() {
    runner.withPropertyValues("layerkit.idempotency.paths=/orders/{", "layerkit.idempotency.methods=FETCH")
        .run(context -> {
          assertThat(context).hasFailed();
          String description = new LayerkitPropertiesFailureAnalyzer().analyze(context.getStartupFailure())
              .getDescription();
          assertThat(description).contains("layerkit.idempotency.paths[0] = /orders/{: is not a valid path pattern")
              .contains("layerkit.idempotency.methods[0] = FETCH: 'FETCH' is not an HTTP method");
        });
  }
}
