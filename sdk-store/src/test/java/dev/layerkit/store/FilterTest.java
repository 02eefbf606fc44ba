package dev.layerkit.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Filter} and {@link EntityDescriptor}: validation and normalization. */
class FilterTest {

  @Test
  void fieldNamesThatCouldCarryQueryTextAreRejectedWithTheValue() {
    for (String bad : List.of("a.b", "$where", "x'--", "", "a b", "doc->>'x'")) {
      assertThatThrownBy(() -> Filter.eq(bad, 1)).as(bad).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("'" + bad + "'");
    }
    assertThatThrownBy(() -> Filter.all().sortBy("a;b")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> EntityDescriptor.builder(TestOrder.class, TestOrder::id).index("x.y"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("x.y");
  }

  @Test
  void valuesAreNormalizedAndUnsupportedOnesRejected() {
    assertThat(Filter.eq("n", 5).conditions().get(0).value()).isEqualTo(5L);
    assertThat(Filter.eq("n", 2.5f).conditions().get(0).value()).isEqualTo(2.5d);
    assertThatThrownBy(() -> Filter.eq("n", Double.NaN)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("NaN");
    assertThatThrownBy(() -> Filter.eq("n", new Object())).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("java.lang.Object");
    assertThatThrownBy(() -> Filter.eq("n", null)).isInstanceOf(NullPointerException.class).hasMessageContaining("n");
    assertThatThrownBy(() -> Filter.in("n", List.of())).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Filter.all().limit(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("0");
  }

  @Test
  void andConcatenatesConditionsAndSortsAndKeepsTheSmallerLimit() {
    Filter f = Filter.eq("a", 1).limit(10).and(Filter.gt("b", "x").sortBy("b").limit(3));
    assertThat(f.conditions()).hasSize(2);
    assertThat(f.sort()).containsExactly(new Filter.Sort("b", false));
    assertThat(f.limit()).isEqualTo(3);
    assertThat(f.withoutLimit().hasLimit()).isFalse();
    assertThat(f.toString()).contains("a EQ 1").contains("b GT x").contains("limit 3");
    assertThat(f).isEqualTo(Filter.eq("a", 1).limit(10).and(Filter.gt("b", "x").sortBy("b").limit(3)));
  }

  @Test
  void descriptorNeedsAVersionAndNamesAnEntityWithoutId() {
    assertThatThrownBy(() -> EntityDescriptor.builder(TestOrder.class, TestOrder::id).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("version");
    assertThatThrownBy(() -> TestOrder.DESCRIPTOR.idOf(TestOrder.of(null, "c", 1, "s")))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("no id");
    assertThatThrownBy(() -> EntityDescriptor.builder(TestOrder.class, TestOrder::id).index("a", "a"))
        .isInstanceOf(IllegalStateException.class);
  }
}
