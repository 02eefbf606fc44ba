package dev.layerkit.service;

import dev.layerkit.gateway.lb.Endpoint;
import java.nio.charset.StandardCharsets;

/**
 * The service answered with an error status; the status and the body it sent are kept.
 * {@link ClientErrorException} for 4xx, {@link ServerErrorException} for 5xx.
 */
public abstract class ServiceStatusException extends ServiceCallException {

  private static final long serialVersionUID = 1L;

  /** How much of the body a message quotes. */
  static final int MAX_QUOTED_BODY = 200;

  private final int status;
  private final byte[] body;

  ServiceStatusException(String serviceName, Endpoint endpoint, String method, String path, int status, byte[] body) {
    super(serviceName, endpoint, method, path, "HTTP " + status + quote(body), null);
    this.status = status;
    this.body = body.clone();
  }

  /**
   * Returns the HTTP status the service answered.
   *
   * @return the status, 400 to 599
   */
  public int status() {
    return status;
  }

  /**
   * Returns the body the service answered with.
   *
   * @return a copy of the body, possibly empty
   */
  public byte[] body() {
    return body.clone();
  }

  /**
   * Returns the body as UTF-8 text, for error details such as an RFC 9457 problem document.
   *
   * @return the body as text, possibly empty
   */
  public String bodyAsString() {
    return new String(body, StandardCharsets.UTF_8);
  }

  private static String quote(byte[] body) {
    if (body.length == 0) {
      return "";
    }
    String text = new String(body, 0, Math.min(body.length, MAX_QUOTED_BODY), StandardCharsets.UTF_8);
    return ": " + text + (body.length > MAX_QUOTED_BODY ? "..." : "");
  }
}
