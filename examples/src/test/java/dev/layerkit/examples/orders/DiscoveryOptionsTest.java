package dev.layerkit.examples.orders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.gateway.lb.DnsEndpointSource;
import dev.layerkit.gateway.lb.EndpointSource;
import dev.layerkit.infra.ConfigException;
import org.junit.jupiter.api.Test;

/** {@code --discovery}: how the instances of {@code --services}, {@code --inventory} and {@code --payment} are found. */
class DiscoveryOptionsTest {

  private static final String[] PRODUCTION = {"--backends=production", "--redis=redis://r:6379", "--kafka=k:9092",
      "--postgres=jdbc:postgresql://p/db"};

  private static String[] with(String... more) {
    String[] all = new String[PRODUCTION.length + more.length];
    System.arraycopy(PRODUCTION, 0, all, 0, PRODUCTION.length);
    System.arraycopy(more, 0, all, PRODUCTION.length, more.length);
    return all;
  }

  @Test
  void dnsDiscoveryResolvesTheNameIntoASourceThatFollowsItAndStopEndsIt() throws Exception {
    RemoteServices instances = RemoteServices.discover("localhost:8080", "--inventory", "dns");
    EndpointSource source = instances.endpointSource();

    assertThat(source).isInstanceOf(DnsEndpointSource.class);
    assertThat(((DnsEndpointSource) source).hostName()).isEqualTo("localhost");
    assertThat(source.endpoints()).isNotEmpty().allSatisfy(endpoint -> assertThat(endpoint.port()).isEqualTo(8080));
    assertThat(instances.endpointSource()).as("one source, shared by its callers").isSameAs(source);
    instances.stop();
    assertThatThrownBy(((DnsEndpointSource) source)::refresh).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("is closed");
  }

  @Test
  void staticDiscoveryKeepsEachHostPortAsOneEndpoint() {
    RemoteServices instances = RemoteServices.discover("a:1,b:2", "--services", "static");

    assertThat(instances.endpointSource()).isNotInstanceOf(DnsEndpointSource.class);
    assertThat(instances.endpointSource().endpoints()).extracting(e -> e.host() + ":" + e.port())
        .containsExactly("a:1", "b:2");
  }

  @Test
  void dnsDiscoveryTakesOneNameAndTheOptionSaysWhichWasWrong() {
    assertThatThrownBy(() -> RemoteServices.discover("a:1,b:2", "--payment", "dns"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--payment with --discovery=dns must be one host:port (a name that resolves to every instance)"
            + " but was 'a:1,b:2'");
    assertThatThrownBy(() -> OrderSystemOptions.from(OrderSystemOptions.config(java.util.Map.of(),
        with("--role=gateway", "--discovery=dns", "--services=a:1,b:2"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--services with --discovery=dns must be one host:port");
    assertThatThrownBy(() -> OrderSystemOptions.config(java.util.Map.of(), with("--discovery=consul")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("discovery = 'consul' from command line --discovery: must be static or dns");
  }

  @Test
  void theManifestsVariableSelectsDnsDiscovery() {
    var config = OrderSystemOptions.config(java.util.Map.of("LAYERKIT_ORDERS_DISCOVERY", "dns"), with("--role=gateway",
        "--services=order-service-headless:8080"));

    OrderSystemOptions.from(config);
    assertThat(config.get(OrderSystemOptions.DISCOVERY)).isEqualTo("dns");
    assertThat(OrderSystemOptions.config(java.util.Map.of()).get(OrderSystemOptions.DISCOVERY))
        .as("the default keeps fixed lists").isEqualTo("static");
  }
}
