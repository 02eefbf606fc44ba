package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class RequestIdsTest {

  @Test
  void generatedIdsAreDistinctHexAndKeepTheirDigitsAfterLaterIds() {
    List<String> ids = new ArrayList<>();
    List<String> copies = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      String id = RequestIds.generate();
      ids.add(id);
      copies.add(new String(id.toCharArray()));
    }

    // The digits are written into one array per thread: no id may share it.
    assertThat(ids).isEqualTo(copies);
    assertThat(new HashSet<>(ids)).hasSize(ids.size());
    assertThat(ids).allMatch(id -> id.matches("[0-9a-f]{32}") && RequestIds.isValid(id));
  }

  @Test
  void keepsOnlyShortIdsOfSafeCharacters() {
    assertThat(RequestIds.isValid("req-1_a.b:c")).isTrue();
    assertThat(RequestIds.isValid("x".repeat(RequestIds.MAX_LENGTH))).isTrue();
    assertThat(RequestIds.isValid("x".repeat(RequestIds.MAX_LENGTH + 1))).isFalse();
    assertThat(RequestIds.isValid("")).isFalse();
    assertThat(RequestIds.isValid("a\r\nX-Injected: 1")).isFalse();
    assertThat(RequestIds.isValid("a b")).isFalse();
  }
}
