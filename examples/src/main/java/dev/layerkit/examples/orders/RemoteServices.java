package dev.layerkit.examples.orders;

import dev.layerkit.gateway.lb.DnsEndpointSource;
import dev.layerkit.gateway.lb.Endpoint;
import dev.layerkit.gateway.lb.EndpointSource;
import dev.layerkit.infra.Lifecycle;
import java.util.List;

/**
 * Instances of a service that run in other processes: the order-service instances of a
 * gateway-only process, or the inventory or payment instances an order-service process calls.
 * They are a fixed list started by someone else ({@link #at(List)}), the instances behind a DNS
 * name such as a Kubernetes headless Service ({@link #dns(String, int)}), or child processes this
 * process starts ({@link ServiceProcesses}). As a {@link Lifecycle.Component} it starts before
 * the gateway and stops after it.
 */
interface RemoteServices extends Lifecycle.Component {

  /**
   * Returns the instances the gateway balances over, once started.
   *
   * @return their endpoints
   */
  List<Endpoint> endpoints();

  /**
   * Returns where a balancer learns the instances: a fixed set of {@link #endpoints()} unless
   * the instances are discovered, in which case the set follows them. The caller does not close
   * it; {@link #stop()} does.
   *
   * @return the source
   * @throws IllegalArgumentException if there are no instances and none can be discovered
   */
  default EndpointSource endpointSource() {
    return EndpointSource.of(endpoints());
  }

  /**
   * Returns the instances a DNS name resolves to, re-resolved every {@link
   * DnsEndpointSource#DEFAULT_REFRESH_INTERVAL}: a Kubernetes headless Service's name answers
   * with every ready pod's address, so the balancer sees, balances over and ejects each pod. The
   * name is resolved once now; {@link #stop()} ends the refreshes.
   *
   * @param host the name, such as {@code order-service-headless}
   * @param port the port every instance listens on
   * @return the instances
   * @throws IllegalArgumentException if the host is blank or the port out of range
   */
  static RemoteServices dns(String host, int port) {
    DnsEndpointSource source = EndpointSource.dns(host, port).build();
    return new RemoteServices() {
      @Override
      public String name() {
        return "application";
      }

      @Override
      public void start() {}

      @Override
      public void stop() {
        source.close();
      }

      @Override
      public List<Endpoint> endpoints() {
        return source.endpoints();
      }

      @Override
      public EndpointSource endpointSource() {
        return source;
      }
    };
  }

  /**
   * Parses {@code host:port,...} as {@link #parse(String, String)} does, or, with {@code dns}
   * discovery, one {@code host:port} whose host is resolved to every instance ({@link #dns}).
   *
   * @param services the list
   * @param option the option it came from, for the message
   * @param discovery {@code static} or {@code dns}
   * @return the instances
   * @throws IllegalArgumentException if an entry is not {@code host:port}, or {@code dns}
   *     discovery is given more than one entry, naming the option
   */
  static RemoteServices discover(String services, String option, String discovery) {
    RemoteServices parsed = parse(services, option);
    if (!discovery.equals("dns")) {
      return parsed;
    }
    if (parsed.endpoints().size() != 1) {
      throw new IllegalArgumentException(option + " with --discovery=dns must be one host:port (a name that"
          + " resolves to every instance) but was '" + services + "'");
    }
    Endpoint only = parsed.endpoints().get(0);
    return dns(only.host(), only.port());
  }

  /**
   * Returns instances started by someone else, such as Kubernetes.
   *
   * @param endpoints where they answer
   * @return the instances, with nothing to start or stop
   */
  static RemoteServices at(List<Endpoint> endpoints) {
    List<Endpoint> copy = List.copyOf(endpoints);
    return new RemoteServices() {
      @Override
      public String name() {
        return "application";
      }

      @Override
      public void start() {}

      @Override
      public void stop() {}

      @Override
      public List<Endpoint> endpoints() {
        return copy;
      }
    };
  }

  /**
   * Parses {@code host:port,host:port}, the order-service instances of {@code --services}.
   *
   * @param services the list
   * @return the instances
   * @throws IllegalArgumentException if an entry is not {@code host:port}
   */
  static RemoteServices parse(String services) {
    return parse(services, "--services");
  }

  /**
   * Parses {@code host:port,host:port}.
   *
   * @param services the list
   * @param option the option it came from, for the message
   * @return the instances
   * @throws IllegalArgumentException if an entry is not {@code host:port}, naming the option
   */
  static RemoteServices parse(String services, String option) {
    List<Endpoint> endpoints = new java.util.ArrayList<>();
    for (String service : services.split(",")) {
      int colon = service.lastIndexOf(':');
      if (colon < 1) {
        throw new IllegalArgumentException(option + " must be host:port,... but was '" + services + "'");
      }
      try {
        endpoints.add(Endpoint.builder(service.substring(0, colon),
            Integer.parseInt(service.substring(colon + 1))).id(service).build());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(option + " must be host:port,... but was '" + services + "'", e);
      }
    }
    return at(endpoints);
  }
}
