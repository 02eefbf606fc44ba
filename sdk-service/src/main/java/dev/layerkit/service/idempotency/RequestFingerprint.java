package dev.layerkit.service.idempotency;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;

/**
 * What a request with an idempotency key is compared by: the SHA-256 of its method, path and
 * body. A retry must carry the same key <em>and</em> the same fingerprint to get the stored
 * response; the same key with another fingerprint is a client error ({@code 422}), as the IETF
 * {@code Idempotency-Key} draft asks.
 *
 * <p>The digest is taken over the upper-cased method, a zero byte, the path (with its query, if
 * the caller includes it), a zero byte and the body, so that no two different triples give the
 * same input. Headers are left out: a retry by another client library may send them differently.
 *
 * <p>Immutable and thread-safe. Computing one costs one pass of SHA-256 over the body.
 *
 * <pre>{@code
 * RequestFingerprint fingerprint = RequestFingerprint.of("POST", "/orders", requestBody);
 * }</pre>
 *
 * @param sha256 the digest in lower-case hex, 64 characters
 */
public record RequestFingerprint(String sha256) {

  private static final int HEX_LENGTH = 64;

  /**
   * Wraps a digest read back from a store.
   *
   * @param sha256 the digest in lower-case hex
   * @throws NullPointerException if {@code sha256} is null
   * @throws IllegalArgumentException if it is not 64 lower-case hex digits
   */
  public RequestFingerprint {
    Objects.requireNonNull(sha256, "sha256");
    if (sha256.length() != HEX_LENGTH || !sha256.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      throw new IllegalArgumentException("sha256 must be 64 lower-case hex digits but was '" + sha256 + "'");
    }
  }

  /**
   * Returns the fingerprint of a request.
   *
   * @param method the HTTP method, in any case
   * @param path the path, with the query if it is part of what the request means
   * @param body the body; empty for none. Not kept.
   * @return the fingerprint
   * @throws NullPointerException if an argument is null
   */
  public static RequestFingerprint of(String method, String path, byte[] body) {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(body, "body");
    MessageDigest digest = newDigest();
    digest.update(method.toUpperCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8));
    digest.update((byte) 0);
    digest.update(path.getBytes(StandardCharsets.UTF_8));
    digest.update((byte) 0);
    digest.update(body);
    return new RequestFingerprint(HexFormat.of().formatHex(digest.digest()));
  }

  private static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      // Every Java platform must provide SHA-256 (MessageDigest's javadoc).
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }

  @Override
  public String toString() {
    return "RequestFingerprint[" + sha256.substring(0, 12) + "…]";
  }
}
