package dev.layerkit.examples.orders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.infra.Config;
import dev.layerkit.infra.ConfigException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OrderSystemMainTest {

  @Test
  void environmentSettingsComeBeforeTheCommandLineWhichWins() {
    Config config = OrderSystemOptions.config(Map.of(
        "LAYERKIT_ORDERS_ROLE", "gateway",
        "LAYERKIT_ORDERS_SERVICES", "order-service:8080",
        "LAYERKIT_ORDERS_ADMIN_PORT", "9091",
        "LAYERKIT_ORDERS_SINGLE_PROCESS", "true",
        "LAYERKIT_ORDERS_CHAOS", "false",
        "LAYERKIT_ORDERS_SHUTDOWN_DEADLINE", "20s",
        "PATH", "/usr/bin"), "--admin-port=9092", "--shutdown-deadline=PT15S");

    assertThat(config.get(OrderSystemOptions.ROLE)).isEqualTo("gateway");
    assertThat(config.source(OrderSystemOptions.ROLE)).isEqualTo("environment variable LAYERKIT_ORDERS_ROLE");
    assertThat(config.get(OrderSystemOptions.SERVICES)).isEqualTo("order-service:8080");
    assertThat(config.get(OrderSystemOptions.SINGLE_PROCESS)).isTrue();
    assertThat(config.get(OrderSystemOptions.CHAOS)).isFalse();
    assertThat(config.get(OrderSystemOptions.ADMIN_PORT)).isEqualTo(9092);
    assertThat(config.source(OrderSystemOptions.ADMIN_PORT)).isEqualTo("command line --admin-port");
    assertThat(config.get(OrderSystemOptions.PORT)).isEqualTo(8080);
    assertThat(config.source(OrderSystemOptions.PORT)).isEqualTo("default");
    OrderSystemOptions options = OrderSystemOptions.from(config);
    assertThat(options.adminPort()).isEqualTo(9092);
    assertThat(options.shutdownDeadline()).isEqualTo(Duration.ofSeconds(15));
  }

  @Test
  void precedenceIsDefaultsThenConfigFileThenEnvironmentThenCommandLine(@org.junit.jupiter.api.io.TempDir
      java.nio.file.Path directory) throws Exception {
    java.nio.file.Path file = directory.resolve("orders.yaml");
    java.nio.file.Files.writeString(file, "rate: 50\ninstances: 2\nadmin-port: 9100\nport: 8100\n");

    Config config = OrderSystemOptions.config(Map.of(OrderSystemOptions.CONFIG_VARIABLE, file.toString(),
        "LAYERKIT_ORDERS_ADMIN_PORT", "9200", "LAYERKIT_ORDERS_PORT", "8200"), "--port=8300");

    assertThat(config.get(OrderSystemOptions.API_KEY)).isEqualTo(OrderSystemOptions.DEMO_API_KEY);
    assertThat(config.source(OrderSystemOptions.API_KEY)).isEqualTo("default");
    assertThat(config.get(OrderSystemOptions.RATE)).isEqualTo(50);
    assertThat(config.source(OrderSystemOptions.RATE)).isEqualTo("file " + file);
    assertThat(config.get(OrderSystemOptions.ADMIN_PORT)).isEqualTo(9200);
    assertThat(config.source(OrderSystemOptions.ADMIN_PORT)).isEqualTo("environment variable LAYERKIT_ORDERS_ADMIN_PORT");
    assertThat(config.get(OrderSystemOptions.PORT)).isEqualTo(8300);
    assertThat(config.source(OrderSystemOptions.PORT)).isEqualTo("command line --port");
    java.nio.file.Path other = directory.resolve("other.properties");
    java.nio.file.Files.writeString(other, "rate=70\n");
    assertThat(OrderSystemOptions.config(Map.of(OrderSystemOptions.CONFIG_VARIABLE, file.toString()),
        "--config=" + other).get(OrderSystemOptions.RATE)).as("--config beats LAYERKIT_ORDERS_CONFIG").isEqualTo(70);
  }

  @Test
  void eachRoleNamesWhatItLacks() {
    assertThatThrownBy(() -> OrderSystemOptions.parse("--role=service"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--role=service needs --backends=production")
        .hasMessageContaining("--role=service needs --inventory=host:port,...")
        .hasMessageContaining("--role=service needs --payment=host:port,...");
    assertThatThrownBy(() -> OrderSystemOptions.parse("--role=gateway", "--services=nohost"))
        .hasMessageContaining("--services must be host:port,... but was 'nohost'");
    assertThatThrownBy(() -> OrderSystemOptions.parse("--payment-failure-rate=1.5"))
        .hasMessageContaining("payment-failure-rate = '1.5' from command line --payment-failure-rate: must be a number from 0 to 1");
    OrderSystemOptions inventory = OrderSystemOptions.parse("--role=inventory", "--backends=production",
        "--postgres=jdbc:postgresql://db/x", "--payment-failure-rate=0.25");
    assertThat(inventory.postgresUrl()).isEqualTo("jdbc:postgresql://db/x");
    assertThat(inventory.paymentFailureRate()).isEqualTo(0.25);
  }

  @Test
  void optionsNameEveryProblem() {
    assertThatThrownBy(() -> OrderSystemOptions.parse("--backends=cloud", "--port=x", "--rate=0",
        "--what", "--shutdown-deadline=soon", "--api-key=short"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("what = '--what' from command line: is not a setting; known: --backends, --port")
        .hasMessageContaining("port = 'x' from command line --port: expected an integer")
        .hasMessageContaining("rate = '0' from command line --rate: must be >= 1")
        .hasMessageContaining("backends = 'cloud' from command line --backends: must be memory or production")
        .hasMessageContaining("shutdown-deadline = 'soon' from command line --shutdown-deadline: expected a duration"
            + " such as 250ms, 5s, 1m or PT5S")
        .hasMessageContaining("api-key = '******' from command line --api-key: must be at least 8 characters")
        .hasMessageNotContaining("short");
    assertThatThrownBy(() -> OrderSystemOptions.parse("--backends=production"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("needs --redis")
        .hasMessageContaining("needs --kafka")
        .hasMessageContaining("needs --postgres");
    assertThatThrownBy(() -> RemoteServices.parse(""))
        .hasMessage("--services must be host:port,... but was ''");
  }

  @Test
  void theRevenueJobsEngineIsASettingWithTheSamePrecedence() {
    assertThat(OrderSystemOptions.config(Map.of()).get(OrderSystemOptions.ENGINE))
        .isEqualTo("in-process");
    Config fromEnvironment = OrderSystemOptions.config(Map.of("LAYERKIT_ORDERS_ENGINE", "flink"),
        "--job=revenue");
    assertThat(fromEnvironment.get(OrderSystemOptions.ENGINE)).isEqualTo("flink");
    assertThat(fromEnvironment.source(OrderSystemOptions.ENGINE))
        .isEqualTo("environment variable LAYERKIT_ORDERS_ENGINE");
    assertThat(OrderSystemOptions.config(Map.of("LAYERKIT_ORDERS_ENGINE", "flink"),
        "--engine=in-process").get(OrderSystemOptions.ENGINE)).isEqualTo("in-process");
    assertThatThrownBy(() -> OrderSystemOptions.config(Map.of(), "--engine=spark"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("engine = 'spark' from command line --engine: must be in-process or flink");
  }
}
