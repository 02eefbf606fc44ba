package dev.layerkit.gateway.http;

import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.JWKSetCacheRefreshEvaluator;
import com.nimbusds.jose.jwk.source.JWKSetParseException;
import com.nimbusds.jose.jwk.source.JWKSetSource;
import com.nimbusds.jose.jwk.source.JWKSetSourceWrapper;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import com.nimbusds.jose.proc.SecurityContext;
import dev.layerkit.core.time.TimeSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sits right above nimbus' URL source in the {@code JWKSourceBuilder} chain: allows at most one
 * retrieval per interval, and rejects a retrieved set without a usable key (RSA of at least
 * {@value JwtAuth#MIN_RSA_BITS} bits or EC P-256, public parts only) as if it were unparsable, so
 * that nimbus' outage-tolerant layer above keeps the last good set.
 *
 * <p>Why not nimbus' own {@code RateLimitedJWKSetSource}: it allows two retrievals per interval
 * (so that a rotation right after a fetch is seen), reads the system clock, and sits above the
 * outage-tolerant layer. The gateway promises one fetch per interval whatever the flood of
 * unknown {@code kid}s, and tests it on a {@link TimeSource}.
 *
 * <p>Thread-safe: the check and the stamp are one compare-and-set, so concurrent callers cannot
 * both pass.
 */
final class JwksFetchGuard extends JWKSetSourceWrapper<SecurityContext> {

  private static final Logger LOG = LoggerFactory.getLogger(JwksFetchGuard.class);
  private static final long NEVER = Long.MIN_VALUE;

  private final TimeSource time;
  private final long intervalNanos;
  private final AtomicLong lastFetch = new AtomicLong(NEVER);
  private final AtomicLong fetches = new AtomicLong();

  JwksFetchGuard(JWKSetSource<SecurityContext> source, TimeSource time, long intervalNanos) {
    super(source);
    this.time = time;
    this.intervalNanos = intervalNanos;
  }

  @Override
  public JWKSet getJWKSet(JWKSetCacheRefreshEvaluator refreshEvaluator, long currentTime,
      @Nullable SecurityContext context) throws KeySourceException {
    long now = time.nanoTime();
    long last = lastFetch.get();
    if ((last != NEVER && now - last < intervalNanos) || !lastFetch.compareAndSet(last, now)) {
      throw new RateLimitReachedException();
    }
    fetches.incrementAndGet();
    JWKSet fetched = getSource().getJWKSet(refreshEvaluator, currentTime, context);
    JWKSet usable = usable(fetched);
    if (usable.isEmpty()) {
      LOG.warn("JWKS document rejected: none of its {} keys is an RSA (>= {} bits) or EC P-256"
          + " public key; keeping the last good key set", fetched.size(), JwtAuth.MIN_RSA_BITS);
      throw new JWKSetParseException("the JWK set has no usable key", null);
    }
    return usable;
  }

  /** The retrievals let through so far. */
  long fetches() {
    return fetches.get();
  }

  /** The public RSA and EC P-256 keys of a set; private parts and other keys are dropped. */
  static JWKSet usable(JWKSet set) {
    List<JWK> keys = new ArrayList<>();
    for (JWK key : set.getKeys()) {
      if ((key instanceof RSAKey && key.size() >= JwtAuth.MIN_RSA_BITS)
          || (key instanceof ECKey ec && Curve.P_256.equals(ec.getCurve()))) {
        JWK publicKey = key.toPublicJWK();
        if (publicKey != null) {
          keys.add(publicKey);
        }
      }
    }
    return new JWKSet(keys);
  }
}
