package dev.layerkit.core.observation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.test.TestTracing;
import io.micrometer.observation.Observation;
import org.junit.jupiter.api.Test;

class TraceMdcTest {

  @Test
  @SuppressWarnings("try") // the scope makes the observation current; the body need not name it
  void putsTheSpansIdsInTheMdcWhileItsScopeIsOpenAndRestoresTheParentsAfter() {
    try (TestTracing tracing = TestTracing.start(TraceMdc::new)) {
      Observation outer = Observation.start("outer", tracing.registry());
      Observation inner;
      String outerSpan;
      try (Observation.Scope scope = outer.openScope()) {
        outerSpan = tracing.mdc().get(TraceMdc.SPAN_ID);
        assertThat(tracing.mdc().get(TraceMdc.TRACE_ID)).hasSize(32);
        inner = Observation.start("inner", tracing.registry());
        try (Observation.Scope innerScope = inner.openScope()) {
          assertThat(tracing.mdc().get(TraceMdc.SPAN_ID)).hasSize(16).isNotEqualTo(outerSpan);
        }
        inner.stop();
        assertThat(tracing.mdc().get(TraceMdc.SPAN_ID)).isEqualTo(outerSpan);
      }
      outer.stop();
      assertThat(tracing.mdc().get(TraceMdc.TRACE_ID)).isNull();
      assertThat(tracing.mdc().get(TraceMdc.SPAN_ID)).isNull();
      assertThat(tracing.awaitSpan("outer").getSpanId()).isEqualTo(outerSpan);
      assertThat(tracing.awaitSpan("inner").getParentSpanId()).isEqualTo(outerSpan);
    }
  }

  @Test
  void statusClassesAreConstants() {
    assertThat(ObservationTags.statusClass(201)).isEqualTo("2xx");
    assertThat(ObservationTags.statusClass(503)).isEqualTo("5xx");
    assertThat(ObservationTags.statusClass(0)).isEqualTo("none");
    assertThat(ObservationTags.outcome(404)).isEqualTo("success");
    assertThat(ObservationTags.outcome(0)).isEqualTo("error");
  }
}
