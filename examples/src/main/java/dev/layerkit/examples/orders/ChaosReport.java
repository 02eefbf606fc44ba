package dev.layerkit.examples.orders;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a chaos run ({@link ChaosRun}) measured: the load's requests by status and error rate, the
 * faults with their times, and the audit of the system afterwards. An order is <em>lost</em> if a
 * 201 acknowledged it and the store does not hold it with the status the 201 gave, or if its
 * {@code OrderPlaced} event never reached the dashboard; an event is <em>double-applied</em> if
 * the dashboard counted more placed orders than the store holds. Half-done orders are sagas
 * neither completed nor compensated (and orders still pending) once every lease has lapsed; the
 * stock and charge mismatches compare the inventory and the payments with the placed orders.
 *
 * @param seconds how long the load ran
 * @param requests requests sent
 * @param statuses requests by HTTP status
 * @param transportErrors requests that got no answer
 * @param errorRate the share of requests answered 5xx or not at all
 * @param p50Millis the median latency
 * @param p99Millis the 99th percentile latency
 * @param acknowledged orders a 201 answered
 * @param storeOrders orders in the store by status
 * @param sagas place-order sagas by status
 * @param sagasResumed sagas another instance (or the restarted one) resumed after their lease lapsed
 * @param dashboardPlaced placed orders the dashboard counted from the events
 * @param lost see above; must be 0
 * @param doubleApplied see above; must be 0
 * @param halfDone see above; must be 0
 * @param stockMismatch units of stock taken that no placed order holds, or held and not taken; must be 0
 * @param chargeMismatch charges made that no placed order holds, or placed orders without a charge; must be 0
 * @param faults what struck, when
 * @param sampleFailures the first few answers of 500 or more, status and body, to say where errors came from
 */
record ChaosReport(double seconds, long requests, Map<Integer, Long> statuses, long transportErrors,
    double errorRate, double p50Millis, double p99Millis, long acknowledged, Map<String, Long> storeOrders,
    Map<String, Long> sagas, long sagasResumed, long dashboardPlaced, long lost, long doubleApplied,
    long halfDone, long stockMismatch, long chargeMismatch, List<ChaosSchedule.Strike> faults,
    List<String> sampleFailures) {

  ChaosReport {
    sampleFailures = List.copyOf(sampleFailures);
    statuses = Map.copyOf(statuses);
    storeOrders = Map.copyOf(storeOrders);
    sagas = Map.copyOf(sagas);
    faults = List.copyOf(faults);
  }

  /**
   * Returns whether nothing was lost, applied twice or left half done, and stock and charges match
   * the placed orders.
   *
   * @return true if the run passed
   */
  boolean passed() {
    return lost == 0 && doubleApplied == 0 && halfDone == 0 && stockMismatch == 0 && chargeMismatch == 0;
  }

  /**
   * Returns the report as JSON.
   *
   * @return the JSON text
   */
  String toJson() {
    try {
      return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
          .writeValueAsString(Map.of("passed", passed(), "report", this));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode the chaos report", e);
    }
  }

  /**
   * Returns the report as text for a terminal.
   *
   * @return the text
   */
  String toText() {
    StringBuilder text = new StringBuilder();
    text.append(String.format(Locale.ROOT, "chaos run: %s%n", passed() ? "PASSED" : "FAILED"));
    text.append(String.format(Locale.ROOT, "  load       %d requests in %.1f s, statuses %s, transport errors %d,"
        + " error rate %.4f, p50 %.1f ms, p99 %.1f ms%n", requests, seconds, new java.util.TreeMap<>(statuses),
        transportErrors, errorRate, p50Millis, p99Millis));
    text.append(String.format(Locale.ROOT, "  orders     %d acknowledged (201); in the store %s%n", acknowledged,
        new java.util.TreeMap<>(storeOrders)));
    text.append(String.format(Locale.ROOT, "  sagas      %s; %d resumed after their lease%n",
        new java.util.TreeMap<>(sagas), sagasResumed));
    text.append(String.format(Locale.ROOT, "  dashboard  %d placed orders counted%n", dashboardPlaced));
    text.append(String.format(Locale.ROOT, "  lost %d, double-applied %d, half done %d, stock mismatch %d,"
        + " charge mismatch %d%n", lost, doubleApplied, halfDone, stockMismatch, chargeMismatch));
    for (String failure : sampleFailures) {
      text.append(String.format(Locale.ROOT, "  failure    %s%n", failure));
    }
    for (ChaosSchedule.Strike strike : faults) {
      text.append(String.format(Locale.ROOT, "  fault      %-22s struck %5.1f s, healed %s: %s%s%n", strike.fault(),
          strike.struckAtSeconds(), strike.healedAtSeconds() == null ? "never"
              : String.format(Locale.ROOT, "%5.1f s", strike.healedAtSeconds()),
          strike.detail(), strike.error() == null ? "" : " (" + strike.error() + ")"));
    }
    return text.toString();
  }

  /**
   * Writes {@code base.json} and {@code base.txt}.
   *
   * @param base the path without extension
   * @throws UncheckedIOException if a file cannot be written
   */
  void write(Path base) {
    try {
      Path parent = base.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Files.writeString(base.resolveSibling(base.getFileName() + ".json"), toJson());
      Files.writeString(base.resolveSibling(base.getFileName() + ".txt"), toText());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the chaos report to " + base + ".json/.txt", e);
    }
  }
}
