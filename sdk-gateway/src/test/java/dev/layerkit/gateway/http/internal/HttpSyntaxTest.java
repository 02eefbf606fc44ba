package dev.layerkit.gateway.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class HttpSyntaxTest {

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "Bearer abc|abc", "bearer abc|abc", "BEARER   abc  |abc", "Bearer\tabc|abc",
      "Bearer a b|a b"})
  void readsTheCredentialsOfTheSchemeInAnyCase(String authorization, String credentials) {
    assertThat(HttpSyntax.credentials(authorization, "Bearer")).isEqualTo(credentials);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "Bearer", "Bearer ", "Bearer    ", "Bearerabc", "Basic abc",
      "Bear abc", " Bearer abc"})
  void returnsNullForAnotherSchemeOrNoCredentials(String authorization) {
    assertThat(HttpSyntax.credentials(authorization, "Bearer")).isNull();
  }

  @Test
  void tellsTokensAndQuotableStrings() {
    assertThat(HttpSyntax.isToken("X-API-Key")).isTrue();
    assertThat(HttpSyntax.isToken("")).isFalse();
    assertThat(HttpSyntax.isToken("X API")).isFalse();
    assertThat(HttpSyntax.isToken("X:Y")).isFalse();
    assertThat(HttpSyntax.isQuotable("my realm")).isTrue();
    assertThat(HttpSyntax.isQuotable("a\"b")).isFalse();
    assertThat(HttpSyntax.isQuotable("a\\b")).isFalse();
    assertThat(HttpSyntax.isQuotable("a\nb")).isFalse();
    assertThat(HttpSyntax.isQuotable("caf\u00e9")).isFalse();
  }
}
