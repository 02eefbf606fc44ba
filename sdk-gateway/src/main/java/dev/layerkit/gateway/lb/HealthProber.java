package dev.layerkit.gateway.lb;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a balancer's {@link ActiveHealthCheck}: every interval, one probe task per endpoint on the
 * scheduler. A probe is skipped while the previous one for the same endpoint still runs, so a slow
 * endpoint never has two probes in flight. Probes block (connect or HTTP call, bounded by the
 * timeout) on the scheduler's threads.
 *
 * <p>HTTP probes use the JDK's {@link HttpClient}: one client per balancer, redirects not followed,
 * the check's timeout as both connect and request timeout.
 */
final class HealthProber {

  private static final Logger LOG = LoggerFactory.getLogger(HealthProber.class);

  private final AbstractLoadBalancer<?> balancer;
  private final ActiveHealthCheck check;
  private final ScheduledExecutorService scheduler;
  private final @Nullable HttpClient http;
  private final int timeoutMillis;
  private volatile @Nullable ScheduledFuture<?> task;
  private volatile boolean closed;

  HealthProber(AbstractLoadBalancer<?> balancer, ActiveHealthCheck check, ScheduledExecutorService scheduler) {
    this.balancer = balancer;
    this.check = check;
    this.scheduler = scheduler;
    this.timeoutMillis = (int) Math.min(Integer.MAX_VALUE, Math.max(1L, check.timeout().toMillis()));
    this.http = check.path() == null ? null : HttpClient.newBuilder()
        .connectTimeout(check.timeout())
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
  }

  void start() {
    long interval = check.interval().toNanos();
    task = scheduler.scheduleWithFixedDelay(this::round, 0, interval, TimeUnit.NANOSECONDS);
  }

  void close() {
    closed = true;
    ScheduledFuture<?> t = task;
    if (t != null) {
      t.cancel(false);
    }
  }

  private void round() {
    try {
      for (EndpointState state : balancer.currentSnapshot().all) {
        if (closed) {
          return;
        }
        if (state.probing.compareAndSet(false, true)) {
          try {
            scheduler.execute(() -> probe(state));
          } catch (RejectedExecutionException e) {
            state.probing.set(false);
            throw e;
          }
        }
      }
    } catch (RuntimeException e) {
      // A periodic task that throws is never run again; keep probing.
      LOG.warn("health-check round of service '{}' failed", balancer.serviceName, e);
    }
  }

  private void probe(EndpointState state) {
    try {
      if (closed) {
        return;
      }
      Endpoint endpoint = state.endpoint;
      boolean passed = http == null ? tcp(endpoint) : http(http, endpoint);
      if (!closed) {
        balancer.onProbe(state, passed, check);
      }
    } catch (RuntimeException e) {
      LOG.warn("health probe of {} failed unexpectedly", state.id, e);
    } finally {
      state.probing.set(false);
    }
  }

  private boolean tcp(Endpoint endpoint) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(endpoint.host(), endpoint.port()), timeoutMillis);
      return true;
    } catch (IOException e) {
      LOG.debug("TCP probe of {} failed: {}", endpoint.id(), e.toString());
      return false;
    }
  }

  private boolean http(HttpClient client, Endpoint endpoint) {
    String host = endpoint.host().indexOf(':') >= 0 && !endpoint.host().startsWith("[")
        ? "[" + endpoint.host() + "]"
        : endpoint.host();
    try {
      HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + host + ':' + endpoint.port() + check.path()))
          .timeout(check.timeout())
          .GET()
          .build();
      int status = client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
      if (status < 200 || status > 299) {
        LOG.debug("HTTP probe of {} answered {}", endpoint.id(), status);
        return false;
      }
      return true;
    } catch (IOException | IllegalArgumentException e) {
      LOG.debug("HTTP probe of {} failed: {}", endpoint.id(), e.toString());
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
