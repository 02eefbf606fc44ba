package dev.layerkit.service.idempotency;

/**
 * Where {@link Idempotency} keeps its keys: a claim while a request runs, then the response it
 * gave. The SPI behind the in-memory, Redis and PostgreSQL stores made by {@link
 * IdempotencyKeyStores}; a third-party store passes the {@code
 * dev.layerkit.test.service.IdempotencyStoreContract} suite in {@code layerkit-test}.
 *
 * <p>(Not to be confused with {@code dev.layerkit.events.IdempotencyStore}, which remembers
 * consumed event ids and stores no responses.)
 *
 * <p><b>Time.</b> A store reads no clock: every call carries {@code nowMillis}, the caller's
 * {@code TimeSource} wall clock, and a store compares expiries against it. So the expiry logic is
 * the same on every backend and tests move it with a {@code ManualTimeSource}. A store may also
 * ask its server to drop a record once it has expired in real time (Redis {@code PEXPIRE}), as
 * garbage collection only.
 *
 * <p><b>Tokens.</b> Each claim carries a random token; {@link #complete} and {@link #release}
 * act only if the key is still held by that token, so a request whose claim lapsed and was taken
 * over cannot overwrite or free the new holder's claim.
 *
 * <p><b>Thread safety.</b> Implementations are thread-safe, and {@link #claim} is atomic: of any
 * number of concurrent claims of a free key, across threads and processes sharing the store,
 * exactly one is {@link ClaimResult.State#ACQUIRED}.
 *
 * <p><b>Failure.</b> A store that cannot reach its server throws its client's unchecked
 * exception; {@link Idempotency} passes it on rather than run an effect unchecked.
 */
public interface IdempotencyKeyStore {

  /**
   * Returns the store's name, for logs and metrics.
   *
   * @return the name
   */
  String name();

  /**
   * Claims a key for a request, if it is free: absent, or its claim or response expired at
   * {@code nowMillis}. A free key is taken with an in-flight claim that lapses at {@code nowMillis
   * + leaseMillis}; otherwise the key's state is returned and nothing changes.
   *
   * @param key the idempotency key
   * @param fingerprint the request's fingerprint, stored with the claim
   * @param token the claim's token, unique to this request
   * @param nowMillis the current time, in milliseconds since the epoch
   * @param leaseMillis how long the claim holds if it is never completed or released, &gt; 0
   * @return what the store found
   * @throws NullPointerException if an argument is null
   * @throws RuntimeException if the store fails; nothing was claimed, or the claim lapses after
   *     {@code leaseMillis}
   */
  ClaimResult claim(String key, RequestFingerprint fingerprint, String token, long nowMillis, long leaseMillis);

  /**
   * Stores the response of a claimed key, kept until {@code nowMillis + ttlMillis}, if the key is
   * still claimed by {@code token}.
   *
   * @param key the idempotency key
   * @param token the claim's token
   * @param response the response to replay
   * @param nowMillis the current time, in milliseconds since the epoch
   * @param ttlMillis how long the response is kept, &gt; 0
   * @return true if it was stored; false if the claim had lapsed and is gone or held by another
   *     token
   * @throws NullPointerException if an argument is null
   * @throws RuntimeException if the store fails; the claim then lapses at its lease
   */
  boolean complete(String key, String token, IdempotentResponse response, long nowMillis, long ttlMillis);

  /**
   * Frees a key claimed by {@code token} and not completed, so that a retry can run; does nothing
   * otherwise.
   *
   * @param key the idempotency key
   * @param token the claim's token
   * @throws NullPointerException if an argument is null
   * @throws RuntimeException if the store fails; the claim then lapses at its lease
   */
  void release(String key, String token);
}
