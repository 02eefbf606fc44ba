package dev.layerkit.examples.orders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class OrderSystemMainTest {

  @Test
  void environmentSettingsComeBeforeTheCommandLineWhichWins() {
    String[] args = OrderSystemMain.withEnvironment(Map.of(
        "LAYERKIT_ORDERS_ROLE", "gateway",
        "LAYERKIT_ORDERS_SERVICES", "order-service:8080",
        "LAYERKIT_ORDERS_ADMIN_PORT", "9091",
        "LAYERKIT_ORDERS_SINGLE_PROCESS", "true",
        "LAYERKIT_ORDERS_CHAOS", "false",
        "PATH", "/usr/bin"), new String[] {"--admin-port=9092"});

    // Sorted by variable name; CHAOS=false adds nothing; the command line comes last and wins.
    assertThat(args).containsExactly("--admin-port=9091", "--role=gateway",
        "--services=order-service:8080", "--single-process", "--admin-port=9092");
  }

  @Test
  void optionsNameEveryProblem() {
    assertThatThrownBy(() -> OrderSystemOptions.parse("--backends=cloud", "--port=x", "--rate=0",
        "--what"))
        .hasMessageContaining("unknown option --what")
        .hasMessageContaining("--port must be a number but was 'x'")
        .hasMessageContaining("--rate must be >= 1 but was 0")
        .hasMessageContaining("--backends must be memory or production but was 'cloud'");
    assertThatThrownBy(() -> OrderSystemOptions.parse("--backends=production"))
        .hasMessageContaining("needs --redis")
        .hasMessageContaining("needs --kafka")
        .hasMessageContaining("needs --postgres");
  }
}
