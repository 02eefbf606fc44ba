package dev.layerkit.core.observation;

/**
 * The low-cardinality tag keys and values Layerkit's observations share, so that one dashboard
 * query or trace search works across blocks. Every value is a constant or drawn from a small fixed
 * set; high-cardinality data (ids, endpoints) goes in high-cardinality key values only.
 *
 * <p>Stateless and thread-safe; {@link #statusClass(int)} returns constants and allocates nothing.
 */
public final class ObservationTags {

  /** Tag key: how the observed work ended, {@link #SUCCESS}, {@link #ERROR} or another value. */
  public static final String OUTCOME = "outcome";
  /** Tag key: the HTTP status class ({@code 2xx} ... {@code 5xx}, or {@code none}). */
  public static final String STATUS = "status";
  /** Tag key: the HTTP method or the block's operation. */
  public static final String METHOD = "method";
  /** Tag key: the block instance's name, as on its meters. */
  public static final String NAME = "name";

  /** Outcome: the work completed. */
  public static final String SUCCESS = "success";
  /** Outcome: the work failed. */
  public static final String ERROR = "error";
  /** Outcome: the caller went away or the work was cancelled before it ended. */
  public static final String CANCELLED = "cancelled";

  private static final String[] CLASSES = {"none", "1xx", "2xx", "3xx", "4xx", "5xx"};

  private ObservationTags() {}

  /**
   * Returns the status class of an HTTP status.
   *
   * @param status an HTTP status, or 0 when none was received
   * @return {@code 1xx} to {@code 5xx}, or {@code none} for a status outside 100..599
   */
  public static String statusClass(int status) {
    return status >= 100 && status < 600 ? CLASSES[status / 100] : CLASSES[0];
  }

  /**
   * Returns the outcome of an HTTP exchange by its status.
   *
   * @param status an HTTP status, or 0 when none was received
   * @return {@link #ERROR} for a 5xx or no status, else {@link #SUCCESS}
   */
  public static String outcome(int status) {
    return status >= 100 && status < 500 ? SUCCESS : ERROR;
  }
}
