package dev.layerkit.spring.service;

import dev.layerkit.service.ServiceClient;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;

/**
 * The application's service clients by service name. Immutable and thread-safe; closes the
 * clients it made when the context closes.
 */
public final class ServiceClients implements DisposableBean {

  private static final Logger LOG = LoggerFactory.getLogger(ServiceClients.class);

  private final Map<String, ServiceClient> clients;
  private final Set<String> owned;

  /**
   * Creates the registry.
   *
   * @param clients the clients by service name
   * @param owned names of the clients this registry closes
   * @throws NullPointerException if an argument is null
   */
  public ServiceClients(Map<String, ServiceClient> clients, Set<String> owned) {
    this.clients = Map.copyOf(new LinkedHashMap<>(Objects.requireNonNull(clients, "clients")));
    this.owned = Set.copyOf(Objects.requireNonNull(owned, "owned"));
  }

  /**
   * Returns the client of a service.
   *
   * @param name the service's name, a key of {@code layerkit.services}
   * @return the client
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if there is no such service (the message lists the names)
   */
  public ServiceClient get(String name) {
    ServiceClient client = clients.get(Objects.requireNonNull(name, "name"));
    if (client == null) {
      throw new IllegalArgumentException("no service is named '" + name + "'; define layerkit.services."
          + name + " (known: " + clients.keySet() + ")");
    }
    return client;
  }

  /**
   * Returns the service names.
   *
   * @return the names
   */
  public Set<String> names() {
    return clients.keySet();
  }

  /** Closes the clients this registry made. Never throws. */
  @Override
  public void destroy() {
    for (String name : owned) {
      try {
        clients.get(name).close();
      } catch (Exception e) {
        LOG.warn("Closing the client of service '{}' failed", name, e);
      }
    }
  }

  @Override
  public String toString() {
    return "ServiceClients" + clients.keySet();
  }
}
