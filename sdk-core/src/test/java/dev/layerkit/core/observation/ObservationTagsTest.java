package dev.layerkit.core.observation;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ObservationTagsTest {

  @Test
  void statusClassNamesTheHundredAndNoneOutsideOneHundredToFiveNinetyNine() {
    assertThat(ObservationTags.statusClass(0)).isEqualTo("none");
    assertThat(ObservationTags.statusClass(99)).isEqualTo("none");
    assertThat(ObservationTags.statusClass(100)).isEqualTo("1xx");
    assertThat(ObservationTags.statusClass(204)).isEqualTo("2xx");
    assertThat(ObservationTags.statusClass(399)).isEqualTo("3xx");
    assertThat(ObservationTags.statusClass(404)).isEqualTo("4xx");
    assertThat(ObservationTags.statusClass(599)).isEqualTo("5xx");
    assertThat(ObservationTags.statusClass(600)).isEqualTo("none");
  }

  @Test
  void outcomeIsAnErrorForAFiveHundredOrNoStatusAndASuccessOtherwise() {
    assertThat(ObservationTags.outcome(0)).isEqualTo(ObservationTags.ERROR);
    assertThat(ObservationTags.outcome(99)).isEqualTo(ObservationTags.ERROR);
    assertThat(ObservationTags.outcome(100)).isEqualTo(ObservationTags.SUCCESS);
    assertThat(ObservationTags.outcome(499)).isEqualTo(ObservationTags.SUCCESS);
    assertThat(ObservationTags.outcome(500)).isEqualTo(ObservationTags.ERROR);
  }
}
