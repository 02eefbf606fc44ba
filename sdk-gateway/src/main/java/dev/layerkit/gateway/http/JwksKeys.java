package dev.layerkit.gateway.http;

import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.jwk.source.URLBasedJWKSetSource;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import dev.layerkit.core.internal.DaemonSchedulers;
import dev.layerkit.core.time.TimeSource;
import java.net.URL;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keys of a {@link JwtAuth} that come from a JWKS URL, through nimbus' {@link JWKSource} as
 * {@link JWKSourceBuilder} assembles it: a cache with a time to live, outage tolerance (the last
 * good set is used while the URL is down or serves a bad document) and, below them, the {@link
 * JwksFetchGuard} (one retrieval per interval, unusable sets rejected).
 *
 * <p>Concurrency: nimbus' source blocks while it fetches, so it is only ever called on this
 * class's own small pool, never on an event loop. The event loop verifies against a snapshot of
 * the keys nimbus last returned: a token whose {@code kid} is in a snapshot younger than the
 * cache's time to live is verified at once; any other token (an unknown {@code kid}, a stale
 * snapshot) is verified on the pool after nimbus was asked for its key, which refreshes the set
 * when nimbus' cache and the guard allow it. The snapshot is an immutable object behind a
 * volatile field, replaced whole.
 *
 * <p>The pool has two daemon threads that time out when idle and a bounded queue: under a flood
 * beyond it, a token is refused (401) rather than queued without limit. They are plain threads,
 * not Netty's {@code FastThreadLocalThread}s, which Netty treats as event loops that never block.
 */
final class JwksKeys {

  private static final Logger LOG = LoggerFactory.getLogger(JwksKeys.class);
  private static final JWKSelector ALL = new JWKSelector(new JWKMatcher.Builder().build());
  private static final int QUEUE = 1024;

  private final URL url;
  private final JWKSource<SecurityContext> source;
  private final JwksFetchGuard guard;
  private final TimeSource time;
  private final long freshNanos;
  private final ThreadPoolExecutor pool;
  private final Function<List<JWK>, Verifier> verifiers;
  private volatile Snapshot snapshot;

  /** Verifies tokens against one key set. */
  interface Verifier {
    /** Verifies a signed token; returns the result (never throws for a bad token). */
    AuthResult verify(com.nimbusds.jwt.SignedJWT token);
  }

  private record Snapshot(Set<String> kids, Verifier verifier, long atNanos, boolean loaded) {}

  JwksKeys(URL url, Duration cacheTtl, Duration refreshInterval, Duration outageTolerance,
      Duration timeout, int maxBytes, TimeSource time, Function<List<JWK>, Verifier> verifiers) {
    this.url = url;
    this.time = time;
    this.freshNanos = cacheTtl.toNanos();
    this.verifiers = verifiers;
    int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
    URLBasedJWKSetSource<SecurityContext> fetch = new URLBasedJWKSetSource<>(url,
        new DefaultResourceRetriever(millis, millis, maxBytes));
    this.guard = new JwksFetchGuard(fetch, time, refreshInterval.toNanos());
    this.source = JWKSourceBuilder.<SecurityContext>create(guard)
        .cache(cacheTtl.toMillis(), Math.max(1, millis * 2L))
        .rateLimited(false)
        .retrying(false)
        .outageTolerant(outageTolerance.toMillis())
        .build();
    this.pool = new ThreadPoolExecutor(2, 2, 30, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(QUEUE), DaemonSchedulers.threadFactory("layerkit-jwks"));
    pool.allowCoreThreadTimeOut(true);
    this.snapshot = new Snapshot(Set.of(), verifiers.apply(List.of()), time.nanoTime(), false);
  }

  /**
   * Returns the verifier to use now on the calling (event-loop) thread, or null when the token
   * must wait for the source: its {@code kid} is unknown to a fresh snapshot, or the snapshot is
   * stale or was never loaded.
   */
  @Nullable Verifier verifierNow(@Nullable String kid) {
    Snapshot current = snapshot;
    if (!current.loaded || time.nanoTime() - current.atNanos >= freshNanos) {
      return null;
    }
    if (kid != null && !current.kids.contains(kid)) {
      return null;
    }
    return current.verifier;
  }

  /**
   * Asks the source for the token's key on the pool (which refreshes the set if nimbus' cache
   * and the guard allow), takes a new snapshot, and verifies with it.
   *
   * @param kid the token's key id, or null
   * @param verify what to do with the verifier; runs on the pool
   * @param busy the answer when the pool is full
   */
  CompletableFuture<AuthResult> verifyLater(@Nullable String kid,
      Function<Verifier, AuthResult> verify, AuthResult busy) {
    try {
      return CompletableFuture.supplyAsync(() -> verify.apply(load(kid)), pool);
    } catch (RejectedExecutionException e) {
      LOG.debug("JWKS verification queue of {} is full", url);
      return CompletableFuture.completedFuture(busy);
    }
  }

  private Verifier load(@Nullable String kid) {
    try {
      if (kid != null) {
        // An unknown kid makes nimbus refresh its cached set, within the guard's limit.
        source.get(new JWKSelector(new JWKMatcher.Builder().keyID(kid).build()), null);
      }
      List<JWK> keys = source.get(ALL, null);
      Snapshot current = snapshot;
      Set<String> kids = new HashSet<>();
      for (JWK key : keys) {
        if (key.getKeyID() != null) {
          kids.add(key.getKeyID());
        }
      }
      if (current.loaded && current.kids.equals(kids)) {
        snapshot = new Snapshot(current.kids, current.verifier, time.nanoTime(), true);
        return current.verifier;
      }
      Verifier verifier = verifiers.apply(keys);
      snapshot = new Snapshot(Set.copyOf(kids), verifier, time.nanoTime(), true);
      LOG.info("JWKS from {}: {} keys {}", url, keys.size(), kids);
      return verifier;
    } catch (KeySourceException e) {
      LOG.debug("JWKS from {} gave no key for kid {}: {}", url, kid, e.toString());
      return snapshot.verifier;
    }
  }

  /** The retrievals made from the URL so far. */
  long fetches() {
    return guard.fetches();
  }

  @Override
  public String toString() {
    return url.toString();
  }
}
