package dev.layerkit.gateway.lb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.core.hash.Hashing;
import org.junit.jupiter.api.Test;

class RequestContextTest {

  @Test
  void emptyIsASharedConstantWithoutKey() {
    assertThat(RequestContext.empty()).isSameAs(RequestContext.builder().build());
    assertThat(RequestContext.empty().hasKey()).isFalse();
    assertThatThrownBy(() -> RequestContext.empty().keyHash())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("no key");
  }

  @Test
  void hashesTheKeyOnceWithSdkCoreHashing() {
    RequestContext context = RequestContext.ofKey("user:42");

    assertThat(context.key()).isEqualTo("user:42");
    assertThat(context.keyHash()).isEqualTo(Hashing.hash("user:42"));
    assertThat(RequestContext.ofKeyHash(7).keyHash()).isEqualTo(7);
    assertThat(RequestContext.ofKeyHash(7).key()).isNull();
  }

  @Test
  void carriesAttributes() {
    RequestContext context = RequestContext.builder().key("k").attribute("zone", "a").build();

    assertThat(context.attribute("zone")).isEqualTo("a");
    assertThat(context.attributes()).containsOnlyKeys("zone");
    assertThat(context.toString()).contains("key=k", "zone=a");
  }

  @Test
  void rejectsNullAndEmptyKeys() {
    assertThatThrownBy(() -> RequestContext.ofKey(null)).isInstanceOf(NullPointerException.class).hasMessage("key");
    assertThatThrownBy(() -> RequestContext.ofKey(""))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("key must not be empty but was ''");
    assertThatThrownBy(() -> RequestContext.builder().key("a").keyHash(1))
        .isInstanceOf(IllegalStateException.class).hasMessage("key was already set to 'a'");
    assertThatThrownBy(() -> RequestContext.builder().attribute("a", 1).attribute("a", 2))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("'a'");
  }
}
