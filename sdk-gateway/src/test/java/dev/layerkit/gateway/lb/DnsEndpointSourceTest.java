package dev.layerkit.gateway.lb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.test.ManualScheduler;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class DnsEndpointSourceTest {

  private final ManualScheduler scheduler = new ManualScheduler();
  private volatile List<InetAddress> answer = List.of();
  private volatile boolean failing;
  private final HostResolver resolver = host -> {
    if (failing) {
      throw new UnknownHostException(host);
    }
    return answer;
  };

  @Test
  void picksUpChangedAddressesOnEachRefresh() throws Exception {
    answer = List.of(ip("10.1.0.2"), ip("10.1.0.1"));
    DnsEndpointSource source = EndpointSource.dns("orders.default.svc.cluster.local", 8080)
        .resolver(resolver).scheduler(scheduler).weight(2).build();
    LoadBalancer lb = LoadBalancers.roundRobin().serviceName("orders").endpointSource(source).build();

    assertThat(ids(lb.endpoints())).containsExactly("10.1.0.1:8080", "10.1.0.2:8080");
    assertThat(lb.endpoints()).allMatch(e -> e.weight() == 2);

    answer = List.of(ip("10.1.0.3"), ip("10.1.0.2"));  // a pod replaced
    scheduler.runScheduled();

    assertThat(ids(lb.endpoints())).containsExactly("10.1.0.2:8080", "10.1.0.3:8080");
    assertThat(ids(List.of(lb.pick(), lb.pick()))).containsExactlyInAnyOrder("10.1.0.2:8080", "10.1.0.3:8080");
    source.close();
    lb.close();
  }

  @Test
  void aReorderedAnswerIsNoChange() throws Exception {
    answer = List.of(ip("10.1.0.1"), ip("10.1.0.2"));
    DnsEndpointSource source = EndpointSource.dns("svc", 80).resolver(resolver).scheduler(scheduler).build();
    List<List<Endpoint>> seen = new CopyOnWriteArrayList<>();
    source.subscribe(seen::add);

    answer = List.of(ip("10.1.0.2"), ip("10.1.0.1"));

    assertThat(source.refresh()).isFalse();
    assertThat(seen).hasSize(1);
  }

  @Test
  void keepsTheLastSetWhenResolutionFailsAndEmptiesOnAnEmptyAnswer() throws Exception {
    answer = List.of(ip("10.1.0.1"));
    DnsEndpointSource source = EndpointSource.dns("svc", 80).resolver(resolver).scheduler(scheduler).build();

    failing = true;
    scheduler.runScheduled();
    assertThat(ids(source.endpoints())).containsExactly("10.1.0.1:80");

    failing = false;
    answer = List.of();
    assertThat(source.refresh()).isTrue();
    assertThat(source.endpoints()).isEmpty();
  }

  @Test
  void startsEmptyWhenTheFirstLookupFailsAndRecovers() throws Exception {
    failing = true;
    DnsEndpointSource source = EndpointSource.dns("svc", 80).resolver(resolver).scheduler(scheduler).build();
    assertThat(source.endpoints()).isEmpty();

    failing = false;
    answer = List.of(ip("::1"));
    scheduler.runScheduled();

    assertThat(ids(source.endpoints())).containsExactly("[0:0:0:0:0:0:0:1]:80");
  }

  @Test
  void stopsRefreshingWhenClosed() {
    DnsEndpointSource source = EndpointSource.dns("svc", 80).resolver(resolver).scheduler(scheduler).build();

    source.close();

    assertThat(scheduler.scheduledTasks()).isZero();
    assertThatThrownBy(source::refresh).isInstanceOf(IllegalStateException.class).hasMessageContaining("svc");
  }

  @Test
  void rejectsBadSettings() {
    assertThatThrownBy(() -> EndpointSource.dns("", 80)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("hostName must not be blank but was ''");
    assertThatThrownBy(() -> EndpointSource.dns("svc", 0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("port must be in [1, 65535] but was 0");
    assertThatThrownBy(() -> EndpointSource.dns("svc", 80).weight(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("weight must be > 0 but was 0");
    assertThatThrownBy(() -> EndpointSource.dns("svc", 80).refreshInterval(java.time.Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT0S");
    assertThatThrownBy(() -> EndpointSource.dns("svc", 80).resolver(resolver).resolver(resolver))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("resolver was already set");
  }

  @Test
  void theExtremePortsAndWeightAreAcceptedAndEachSettingOnlyOnce() throws Exception {
    answer = List.of(ip("10.1.0.1"));
    for (int port : new int[] {1, 65_535}) {
      DnsEndpointSource source = EndpointSource.dns("svc", port).resolver(resolver).scheduler(scheduler)
          .weight(Endpoint.MAX_WEIGHT).build();
      assertThat(source.endpoints()).containsExactly(Endpoint.of("10.1.0.1", port, Endpoint.MAX_WEIGHT));
      source.close();
    }
    assertThatThrownBy(() -> EndpointSource.dns("svc", 65_536)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("port must be in [1, 65535] but was 65536");
    assertThatThrownBy(() -> EndpointSource.dns("svc", 80).weight(Endpoint.MAX_WEIGHT + 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("weight must be <= 1000000 but was 1000001");
    assertThatThrownBy(() -> EndpointSource.dns("svc", 80).weight(2).weight(3))
        .isInstanceOf(IllegalStateException.class).hasMessage("weight was already set to 2");
    assertThatThrownBy(() -> EndpointSource.dns("svc", 80).refreshInterval(java.time.Duration.ofSeconds(1))
            .refreshInterval(java.time.Duration.ofSeconds(2)))
        .isInstanceOf(IllegalStateException.class).hasMessage("refreshInterval was already set to PT1S");
    assertThatThrownBy(() -> EndpointSource.dns("svc", 80).scheduler(scheduler).scheduler(scheduler))
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("scheduler was already set to ");
  }

  private static InetAddress ip(String literal) throws UnknownHostException {
    return InetAddress.getByName(literal);
  }

  private static List<String> ids(List<Endpoint> endpoints) {
    List<String> ids = new ArrayList<>();
    endpoints.forEach(e -> ids.add(e.id()));
    return ids;
  }
}
