package dev.layerkit.examples.orders;

import dev.layerkit.gateway.lb.Endpoint;
import dev.layerkit.infra.Lifecycle;
import java.util.List;

/**
 * The application layer of a gateway-only process: order-service instances that run elsewhere,
 * started by someone else ({@link #at(List)}) or by this process ({@link ServiceProcesses}).
 * As a {@link Lifecycle.Component} it starts before the gateway and stops after it.
 */
interface RemoteServices extends Lifecycle.Component {

  /**
   * Returns the instances the gateway balances over, once started.
   *
   * @return their endpoints
   */
  List<Endpoint> endpoints();

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
