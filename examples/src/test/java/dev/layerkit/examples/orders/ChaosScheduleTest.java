package dev.layerkit.examples.orders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;

/** The chaos schedule's order and records, and the report's verdict, without a system. */
class ChaosScheduleTest {

  private final Queue<String> log = new ConcurrentLinkedQueue<>();

  private Fault fault(String name) {
    return Fault.of(name, () -> {
      log.add("strike " + name);
      return name + " struck";
    }, () -> {
      log.add("heal " + name);
      return name + " healed";
    });
  }

  @Test
  void strikesEachFaultInTurnHealsItBeforeTheNextAndRecordsWhatFailed() throws Exception {
    Fault broken = Fault.of("broken", () -> {
      throw new IllegalStateException("cannot reach the broker");
    }, () -> "never");
    ChaosSchedule schedule = new ChaosSchedule(List.of(fault("a"), broken, fault("c")), Duration.ofMillis(300),
        Duration.ofMillis(10));

    schedule.start();
    List<ChaosSchedule.Strike> strikes = schedule.awaitEnd(Duration.ofSeconds(30));

    assertThat(log).containsExactly("strike a", "heal a", "strike c", "heal c");
    assertThat(strikes).extracting(ChaosSchedule.Strike::fault).containsExactly("a", "broken", "c");
    assertThat(strikes.get(0).detail()).isEqualTo("a struck; a healed");
    assertThat(strikes.get(0).error()).isNull();
    assertThat(strikes.get(0).healedAtSeconds()).isGreaterThanOrEqualTo(strikes.get(0).struckAtSeconds() + 0.01);
    assertThat(strikes.get(1).error()).contains("strike failed").contains("cannot reach the broker");
    assertThat(strikes.get(1).healedAtSeconds()).isNull();
    assertThat(strikes.get(2).struckAtSeconds()).as("c strikes a quarter into its slot, after a healed")
        .isGreaterThanOrEqualTo(0.225).isGreaterThan(strikes.get(0).healedAtSeconds());
  }

  @Test
  void plansOneSlotPerFaultAndHoldsAtMostHalfASlot() {
    ChaosSchedule schedule = new ChaosSchedule(List.of(fault("a"), fault("b"), fault("c"), fault("d")),
        Duration.ofSeconds(60), Duration.ofSeconds(30));

    assertThat(schedule.strikeAt(0)).isEqualTo(Duration.ofMillis(3750));
    assertThat(schedule.strikeAt(3)).isEqualTo(Duration.ofMillis(48_750));
    assertThat(schedule.holdFor()).isEqualTo(Duration.ofMillis(7500));
    assertThatThrownBy(() -> new ChaosSchedule(List.of(), Duration.ofSeconds(1), Duration.ofSeconds(1)))
        .hasMessage("a chaos schedule needs at least one fault");
    assertThatThrownBy(() -> new ChaosSchedule(List.of(fault("a")), Duration.ZERO, Duration.ofSeconds(1)))
        .hasMessage("run and hold must be > 0 but were PT0S and PT1S");
  }

  @Test
  void aReportPassesOnlyWithNothingLostAppliedTwiceOrHalfDone() {
    ChaosSchedule.Strike kill = new ChaosSchedule.Strike("kill-order-service", 3.8, 8.8, "SIGKILL", null);
    ChaosReport clean = new ChaosReport(60, 1000, Map.of(200, 800L, 201, 200L), 0, 0, 2.5, 40, 200,
        Map.of("PLACED", 190L, "REJECTED", 10L), Map.of("COMPLETED", 190L, "COMPENSATED", 10L), 1, 190,
        0, 0, 0, 0, 0, List.of(kill), List.of());
    ChaosReport lost = new ChaosReport(60, 1000, Map.of(201, 200L), 0, 0, 2.5, 40, 200, Map.of(), Map.of(), 0, 189,
        1, 0, 0, 0, 0, List.of(kill), List.of("503 {}"));
    ChaosReport twice = new ChaosReport(60, 1000, Map.of(201, 200L), 0, 0, 2.5, 40, 200, Map.of(), Map.of(), 0,
        191, 0, 1, 0, 0, 0, List.of(), List.of());

    assertThat(clean.passed()).isTrue();
    assertThat(lost.passed()).isFalse();
    assertThat(twice.passed()).isFalse();
    assertThat(clean.toText()).startsWith("chaos run: PASSED").contains("lost 0, double-applied 0")
        .contains("kill-order-service", "struck   3.8 s, healed   8.8 s: SIGKILL");
    assertThat(lost.toText()).startsWith("chaos run: FAILED").contains("lost 1").contains("failure    503 {}");
    assertThat(clean.toJson()).contains("\"passed\" : true", "\"fault\" : \"kill-order-service\"",
        "\"errorRate\" : 0.0");
  }
}
