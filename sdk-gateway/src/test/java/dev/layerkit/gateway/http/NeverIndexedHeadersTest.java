package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NeverIndexedHeadersTest {

  @ParameterizedTest
  @ValueSource(strings = {"x-request-id", "X-Request-Id", "authorization", "proxy-authorization",
      "cookie", "set-cookie", "Set-Cookie"})
  void credentialsCookiesAndTheRequestIdAreNeverIndexed(String name) {
    assertThat(NeverIndexedHeaders.INSTANCE.isSensitive(name, "v")).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"content-type", "content-length", "server", "date", "x-request",
      "x-request-ids", "cookies", ":status"})
  void otherHeadersAreIndexedAsUsual(String name) {
    assertThat(NeverIndexedHeaders.INSTANCE.isSensitive(name, "v")).isFalse();
  }
}
