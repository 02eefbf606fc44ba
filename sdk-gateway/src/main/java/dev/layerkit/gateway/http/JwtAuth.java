package dev.layerkit.gateway.http;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.BadJWSException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.EncryptedJWT;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import dev.layerkit.core.time.TimeSource;
import dev.layerkit.gateway.http.internal.HttpSyntax;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URL;
import java.security.Key;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link Auth} that accepts requests carrying a signed JSON Web Token in {@code Authorization:
 * Bearer <token>}, verified with nimbus-jose-jwt.
 *
 * <p>A token is accepted when all of these hold, else the answer is a 401 with {@code Bearer
 * realm="<realm>", error="invalid_token", error_description="<reason>"} (a short fixed reason,
 * never the token or a claim value):
 * <ul>
 *   <li>it parses as a compact JWS; unsigned ({@code alg: none}) and encrypted tokens are
 *       rejected;
 *   <li>its {@code alg} is on the allow-list ({@link Builder#algorithms}; by default every
 *       algorithm for which a key was given: HS256 for an HMAC secret, RS256 for an RSA key, ES256
 *       for an EC P-256 key);
 *   <li>its signature verifies with a key of that algorithm's type: an HS256 token is checked
 *       only against HMAC secrets, never against an RSA public key's bytes (the classic
 *       algorithm-confusion attack); a token with a {@code kid} is checked against the JWK-set
 *       keys with that id and the keys given without an id;
 *   <li>{@code iss} equals the configured issuer, {@code aud} contains a configured audience,
 *       {@code sub} is present and, unless {@link Builder#requireExpiration} turned it off,
 *       {@code exp} too;
 *   <li>{@code exp} is after and {@code nbf} (when present) before the current time of the
 *       {@link Builder#timeSource}, each with the {@link Builder#clockSkew} allowed.
 * </ul>
 * A request without a bearer token gets a 401 with {@code Bearer realm="<realm>"} and no error
 * code (RFC 6750, section 3.1). An accepted token becomes {@code Principal(sub, "jwt", claims)},
 * whose claims are the token's, with the times ({@code exp}, {@code nbf}, {@code iat}) as {@link
 * Instant}s.
 *
 * <p>Built on nimbus' {@link DefaultJWTProcessor} with a {@link JWSVerificationKeySelector} and a
 * {@link DefaultJWTClaimsVerifier} whose {@code currentTime()} reads the injected {@link
 * TimeSource}.
 *
 * <h2>Keys from a JWKS URL</h2>
 *
 * <p>With {@link Builder#jwksUrl} the keys come from the issuer's JWK set, through nimbus' {@code
 * JWKSource} as its {@code JWKSourceBuilder} assembles it, so signing keys rotate without a
 * restart:
 * <ul>
 *   <li>the set is cached for {@link Builder#jwksCacheTtl} (5 minutes by
 *       default); a token whose {@code kid} the cached set lacks makes it refresh at once;
 *   <li>the URL is fetched at most once per {@link Builder#jwksRefreshInterval} (30 seconds
 *       by default), whatever the number of unknown {@code kid}s: a flood
 *       of made-up ids cannot turn the gateway into a load generator against the identity provider;
 *   <li>while the URL is down, or answers a document that does not parse, is larger than {@link
 *       Builder#jwksMaxBytes} or has no usable key, the last good set stays in use for up to
 *       {@link Builder#jwksOutageTolerance};
 *   <li>the fetch never runs on an event loop: a token whose key is in the set held now is verified
 *       at once; any other is verified on a small pool of this auth's own once its key was asked
 *       for ({@link #authenticateAsync}), and the gateway goes on with the request when it is done.
 *       {@link #authenticate} never waits: it answers from the keys held now (a 401 {@code no
 *       matching key} for an unknown {@code kid}) while the fetch goes on in the background.
 * </ul>
 * JWKS keys are public keys only: RSA (at least {@value #MIN_RSA_BITS} bits) for RS256 and EC
 * P-256 for ES256; other keys in the document are ignored.
 *
 * <p>Immutable and thread-safe; {@link #authenticate} does not block. Needs {@code
 * com.nimbusds:nimbus-jose-jwt} on the class path (an optional dependency of this module).
 *
 * <pre>{@code
 * Auth auth = Auth.jwt()
 *     .publicKey(issuerRsaKey)
 *     .issuer("https://id.example.com")
 *     .audience("orders")
 *     .build();
 * }</pre>
 */
public final class JwtAuth implements Auth {

  /** The clock skew allowed by default for {@code exp} and {@code nbf}. */
  public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(30);

  /** The realm of the challenge by default. */
  public static final String DEFAULT_REALM = "layerkit";

  /** The shortest HMAC secret accepted, in bytes: HS256 needs 256 bits (RFC 7518, 3.2). */
  public static final int MIN_HMAC_SECRET_BYTES = 32;

  /** The shortest RSA modulus accepted, in bits. */
  public static final int MIN_RSA_BITS = 2048;

  /** How long a fetched JWK set is used before it is fetched again, by default. */
  public static final Duration DEFAULT_JWKS_CACHE_TTL = Duration.ofMinutes(5);

  /** The least time between two fetches of the JWKS URL, by default. */
  public static final Duration DEFAULT_JWKS_REFRESH_INTERVAL = Duration.ofSeconds(30);

  /** How long the last good JWK set is used while the URL is down, by default. */
  public static final Duration DEFAULT_JWKS_OUTAGE_TOLERANCE = Duration.ofHours(1);

  /** The connect and read timeout of a JWKS fetch, by default. */
  public static final Duration DEFAULT_JWKS_TIMEOUT = Duration.ofSeconds(2);

  /** The largest JWKS document accepted, in bytes, by default. */
  public static final int DEFAULT_JWKS_MAX_BYTES = 64 * 1024;

  private static final Logger LOG = LoggerFactory.getLogger(JwtAuth.class);
  private static final Set<String> SUPPORTED = Set.of("HS256", "RS256", "ES256");

  /** Every fixed reason, answered with a result made once. */
  private static final List<String> REASONS = List.of("malformed token", "unsigned token",
      "unsupported token type", "algorithm not allowed", "invalid signature", "invalid claims",
      "no matching key", "token rejected", "verification failed", "issuer not accepted",
      "audience not accepted", "token expired", "token not yet valid");

  /**
   * The {@code typ} header values accepted: none, {@code JWT} and {@code at+jwt} (RFC 9068 access
   * tokens).
   */
  private static final DefaultJOSEObjectTypeVerifier<SecurityContext> TYPES =
      new DefaultJOSEObjectTypeVerifier<>(JOSEObjectType.JWT, new JOSEObjectType("at+jwt"), null);

  private final @Nullable DefaultJWTProcessor<SecurityContext> processor;
  private final @Nullable JwksKeys jwks;
  private final Set<JWSAlgorithm> algorithms;
  private final String issuer;
  private final Set<String> audience;
  private final boolean requireExpiration;
  private final Duration clockSkew;
  private final TimeSource timeSource;
  private final String realm;
  private final AuthResult missing;
  private final Map<String, AuthResult> failures;

  private JwtAuth(Builder builder, Set<JWSAlgorithm> algorithms) {
    this.algorithms = algorithms;
    this.issuer = Objects.requireNonNull(builder.issuer);
    this.audience = Set.copyOf(builder.audience);
    this.requireExpiration = builder.requireExpiration;
    this.clockSkew = builder.clockSkew;
    this.timeSource = builder.timeSource;
    this.realm = builder.realm;
    this.missing = AuthResult.unauthorized("Bearer realm=\"" + realm + "\"", "missing bearer token");
    Map<String, AuthResult> known = new LinkedHashMap<>();
    for (String reason : REASONS) {
      known.put(reason, failure(reason));
    }
    this.failures = Map.copyOf(known);

    Set<String> required = new HashSet<>(List.of("sub", "iss", "aud"));
    if (requireExpiration) {
      required.add("exp");
    }
    ClaimsVerifier claimsVerifier = new ClaimsVerifier(audience,
        new JWTClaimsSet.Builder().issuer(issuer).build(), required, timeSource);
    claimsVerifier.setMaxClockSkew((int) clockSkew.toSeconds());

    List<JWK> fixed = List.copyOf(builder.keys);
    URI jwksUrl = builder.jwksUrl;
    if (jwksUrl == null) {
      this.processor = processor(fixed, claimsVerifier);
      this.jwks = null;
    } else {
      this.processor = null;
      this.jwks = new JwksKeys(toUrl(jwksUrl), builder.jwksCacheTtl, builder.jwksRefreshInterval,
          builder.jwksOutageTolerance, builder.jwksTimeout, builder.jwksMaxBytes, timeSource,
          fetched -> {
            List<JWK> all = new ArrayList<>(fixed);
            all.addAll(fetched);
            DefaultJWTProcessor<SecurityContext> withFetched = processor(all, claimsVerifier);
            return token -> verify(token, withFetched);
          });
    }
  }

  private DefaultJWTProcessor<SecurityContext> processor(List<JWK> keys,
      ClaimsVerifier claimsVerifier) {
    DefaultJWTProcessor<SecurityContext> built = new DefaultJWTProcessor<>();
    built.setJWSTypeVerifier(TYPES);
    built.setJWSKeySelector(new KeySelector(algorithms, new ImmutableJWKSet<>(new JWKSet(keys))));
    built.setJWTClaimsSetVerifier(claimsVerifier);
    return built;
  }

  private static URL toUrl(URI uri) {
    try {
      return uri.toURL();
    } catch (MalformedURLException e) {
      throw new IllegalArgumentException("jwksUrl is not a URL: " + uri, e);
    }
  }

  /**
   * Returns a builder with the defaults: no keys, no issuer or audience (both must be set),
   * clock skew {@link #DEFAULT_CLOCK_SKEW}, expiration required, the system time source and realm
   * {@value #DEFAULT_REALM}. Same as {@link Auth#jwt()}.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Authenticates a request by its bearer token.
   *
   * @param request the request
   * @return the token's principal, or a 401 naming why the token was not accepted
   */
  @Override
  public AuthResult authenticate(GatewayRequest request) {
    Object parsed = parse(request);
    if (parsed instanceof AuthResult early) {
      return early;
    }
    SignedJWT signed = (SignedJWT) parsed;
    DefaultJWTProcessor<SecurityContext> fixed = processor;
    if (fixed != null) {
      return verify(signed, fixed);
    }
    JwksKeys keys = Objects.requireNonNull(jwks);
    JwksKeys.Verifier now = keys.verifierNow(signed.getHeader().getKeyID());
    if (now != null) {
      return now.verify(signed);
    }
    // Called directly (not through the gateway's asynchronous path): never wait for the URL.
    // The answer comes from the keys held now; the fetch goes on in the background.
    keys.verifyLater(signed.getHeader().getKeyID(), verifier -> verifier.verify(signed),
        failures.get("verification failed"));
    return reject(request, "no matching key");
  }

  /**
   * Authenticates a request by its bearer token, verifying it on the calling thread when its key
   * is known, and otherwise on the JWKS pool once the key set was asked for the token's {@code
   * kid} (see {@link Builder#jwksUrl}). Without a JWKS URL this is {@link #authenticate}.
   *
   * @param request the request, read before this method returns
   * @return the token's principal or a 401, now or once the key set answered
   */
  @Override
  public CompletionStage<AuthResult> authenticateAsync(GatewayRequest request) {
    Object parsed = parse(request);
    if (parsed instanceof AuthResult early) {
      return CompletableFuture.completedFuture(early);
    }
    SignedJWT signed = (SignedJWT) parsed;
    DefaultJWTProcessor<SecurityContext> fixed = processor;
    if (fixed != null) {
      return CompletableFuture.completedFuture(verify(signed, fixed));
    }
    JwksKeys keys = Objects.requireNonNull(jwks);
    String kid = signed.getHeader().getKeyID();
    JwksKeys.Verifier now = keys.verifierNow(kid);
    if (now != null) {
      return CompletableFuture.completedFuture(now.verify(signed));
    }
    return keys.verifyLater(kid, verifier -> verifier.verify(signed),
        failures.get("verification failed"));
  }

  /**
   * Reads and parses the bearer token: the {@link SignedJWT} on an allowed algorithm, or the
   * {@link AuthResult} to answer with.
   */
  private Object parse(GatewayRequest request) {
    @Nullable String token = null;
    for (String authorization : request.headers("Authorization")) {
      token = HttpSyntax.credentials(authorization, "Bearer");
      if (token != null) {
        break;
      }
    }
    if (token == null) {
      return missing;
    }
    JWT jwt;
    try {
      jwt = JWTParser.parse(token);
    } catch (ParseException e) {
      return reject(request, "malformed token");
    }
    if (jwt instanceof PlainJWT) {
      return reject(request, "unsigned token");
    }
    if (jwt instanceof EncryptedJWT || !(jwt instanceof SignedJWT)) {
      return reject(request, "unsupported token type");
    }
    SignedJWT signed = (SignedJWT) jwt;
    if (!algorithms.contains(signed.getHeader().getAlgorithm())) {
      return reject(request, "algorithm not allowed");
    }
    return signed;
  }

  /** Verifies signature and claims; any thread. */
  private AuthResult verify(SignedJWT signed, DefaultJWTProcessor<SecurityContext> with) {
    JWTClaimsSet claims;
    try {
      claims = with.process(signed, null);
    } catch (ClaimsRejected e) {
      return rejected(e.getMessage());
    } catch (BadJWSException e) {
      return rejected("invalid signature");
    } catch (BadJWTException e) {
      return rejected("invalid claims");
    } catch (NoMatchingKey e) {
      return rejected("no matching key");
    } catch (BadJOSEException e) {
      return rejected("token rejected");
    } catch (JOSEException e) {
      LOG.debug("JWT verification failed", e);
      return rejected("verification failed");
    } catch (RuntimeException e) {
      // The token is untrusted input to a third-party parser: an unexpected claim type must end
      // in a 401, never in an exception the gateway would answer with a 500.
      LOG.debug("JWT rejected", e);
      return rejected("invalid claims");
    }
    return AuthResult.success(new Principal(
        Objects.requireNonNull(claims.getSubject()), "jwt", principalClaims(claims)));
  }

  private AuthResult rejected(String reason) {
    AuthResult known = failures.get(reason);
    return known != null ? known : failure(reason);
  }

  private AuthResult reject(GatewayRequest request, String reason) {
    LOG.debug("Rejected JWT on request {} from {}: {}", request.requestId(),
        request.remoteAddress(), reason);
    AuthResult known = failures.get(reason);
    return known != null ? known : failure(reason);
  }

  private AuthResult failure(String reason) {
    return AuthResult.unauthorized("Bearer realm=\"" + realm
        + "\", error=\"invalid_token\", error_description=\"" + reason + "\"", reason);
  }

  /** Copies the claims, with times as Instants and lists and maps unmodifiable, nulls dropped. */
  private static Map<String, Object> principalClaims(JWTClaimsSet claims) {
    Map<String, Object> copy = new LinkedHashMap<>();
    for (Map.Entry<String, Object> claim : claims.getClaims().entrySet()) {
      @Nullable Object value = immutable(claim.getValue());
      if (value != null) {
        copy.put(claim.getKey(), value);
      }
    }
    return copy;
  }

  private static @Nullable Object immutable(@Nullable Object value) {
    if (value instanceof Date) {
      return ((Date) value).toInstant();
    }
    if (value instanceof List) {
      List<Object> list = new ArrayList<>();
      for (Object element : (List<?>) value) {
        @Nullable Object copy = immutable(element);
        if (copy != null) {
          list.add(copy);
        }
      }
      return Collections.unmodifiableList(list);
    }
    if (value instanceof Map) {
      Map<String, Object> map = new LinkedHashMap<>();
      for (Map.Entry<?, ?> entry : ((Map<?, ?>) value).entrySet()) {
        @Nullable Object copy = immutable(entry.getValue());
        if (copy != null) {
          map.put(String.valueOf(entry.getKey()), copy);
        }
      }
      return Collections.unmodifiableMap(map);
    }
    return value;
  }

  /** Returns the allowed algorithms, issuer, audience and clock skew; never a key. */
  @Override
  public String toString() {
    List<String> names = new ArrayList<>();
    for (JWSAlgorithm algorithm : algorithms) {
      names.add(algorithm.getName());
    }
    Collections.sort(names);
    return "JwtAuth[algorithms=" + names + ", issuer=" + issuer + ", audience=" + audience
        + ", clockSkew=" + clockSkew + ", requireExpiration=" + requireExpiration + "]";
  }

  /**
   * A claims rejection with a short reason of our own, so that the answer names the failed check
   * without depending on nimbus' message texts and never echoes a claim value.
   */
  private static final class ClaimsRejected extends BadJWTException {
    private static final long serialVersionUID = 1L;

    ClaimsRejected(String reason, Throwable cause) {
      super(reason, cause);
    }
  }

  /**
   * nimbus' claims verifier with the current time from a {@link TimeSource} and reasons of our
   * own: after nimbus rejects a claims set, the same checks are replayed to name the one that
   * failed.
   */
  private static final class ClaimsVerifier extends DefaultJWTClaimsVerifier<SecurityContext> {

    private final TimeSource timeSource;
    private final Set<String> audience;
    private final String issuer;
    private final Set<String> required;

    ClaimsVerifier(Set<String> audience, JWTClaimsSet exactMatch, Set<String> required,
        TimeSource timeSource) {
      super(audience, exactMatch, required, null);
      this.timeSource = timeSource;
      this.audience = audience;
      this.issuer = Objects.requireNonNull(exactMatch.getIssuer());
      this.required = required;
    }

    @Override
    protected Date currentTime() {
      return new Date(timeSource.epochMillis());
    }

    @Override
    public void verify(JWTClaimsSet claims, @Nullable SecurityContext context)
        throws BadJWTException {
      try {
        super.verify(claims, context);
      } catch (BadJWTException e) {
        throw new ClaimsRejected(reason(claims), e);
      }
    }

    private String reason(JWTClaimsSet claims) {
      for (String name : required) {
        if (claims.getClaim(name) == null) {
          return "missing " + name + " claim";
        }
      }
      if (!issuer.equals(claims.getClaim("iss"))) {
        return "issuer not accepted";
      }
      List<String> audiences = claims.getAudience();
      if (audiences == null || audiences.stream().noneMatch(audience::contains)) {
        return "audience not accepted";
      }
      long now = currentTime().getTime();
      long skew = getMaxClockSkew() * 1000L;
      Date expiration = claims.getExpirationTime();
      if (expiration != null && expiration.getTime() <= now - skew) {
        return "token expired";
      }
      Date notBefore = claims.getNotBeforeTime();
      if (notBefore != null && notBefore.getTime() >= now + skew) {
        return "token not yet valid";
      }
      return "invalid claims";
    }
  }

  /**
   * nimbus' key selector, except that a token's {@code kid} also matches keys that have no id
   * (those given as a {@link PublicKey} or HMAC secret), so that an issuer that names its keys can
   * be verified with a key configured without its name.
   */
  private static final class KeySelector extends JWSVerificationKeySelector<SecurityContext> {

    KeySelector(Set<JWSAlgorithm> algorithms, ImmutableJWKSet<SecurityContext> keys) {
      super(algorithms, keys);
    }

    @Override
    protected @Nullable JWKMatcher createJWKMatcher(JWSHeader header) {
      JWKMatcher matcher = super.createJWKMatcher(header);
      if (matcher == null || header.getKeyID() == null) {
        return matcher;
      }
      Set<String> ids = new HashSet<>();
      ids.add(header.getKeyID());
      ids.add(null);
      return new JWKMatcher.Builder(matcher).keyIDs(ids).build();
    }

    @Override
    public List<Key> selectJWSKeys(JWSHeader header, @Nullable SecurityContext context)
        throws KeySourceException {
      List<Key> keys = super.selectJWSKeys(header, context);
      if (keys.isEmpty()) {
        throw new NoMatchingKey();
      }
      return keys;
    }
  }

  /** No configured key has the token's algorithm type and {@code kid}. */
  private static final class NoMatchingKey extends KeySourceException {
    private static final long serialVersionUID = 1L;

    NoMatchingKey() {
      super("no matching key");
    }
  }

  /**
   * Configures a {@link JwtAuth}. Every key method adds a key, so several issuers' keys or a
   * rotation's old and new key can be accepted side by side.
   *
   * <p>Every other setting may be given once: a second call throws {@link IllegalStateException}
   * (a value the setter rejected does not count as given); {@link #audience} adds.
   *
   * <p>Not thread-safe; {@link #build} returns an immutable auth that does not change when the
   * builder does.
   */
  public static final class Builder {

    private final BuilderSettings settings = new BuilderSettings();

    private final List<JWK> keys = new ArrayList<>();
    private final Set<String> keyAlgorithms = new LinkedHashSet<>();
    private @Nullable Set<String> algorithms;
    private @Nullable String issuer;
    private final Set<String> audience = new LinkedHashSet<>();
    private Duration clockSkew = DEFAULT_CLOCK_SKEW;
    private boolean requireExpiration = true;
    private TimeSource timeSource = TimeSource.system();
    private String realm = DEFAULT_REALM;
    private @Nullable URI jwksUrl;
    private Duration jwksCacheTtl = DEFAULT_JWKS_CACHE_TTL;
    private Duration jwksRefreshInterval = DEFAULT_JWKS_REFRESH_INTERVAL;
    private Duration jwksOutageTolerance = DEFAULT_JWKS_OUTAGE_TOLERANCE;
    private Duration jwksTimeout = DEFAULT_JWKS_TIMEOUT;
    private int jwksMaxBytes = DEFAULT_JWKS_MAX_BYTES;

    private Builder() {}

    /**
     * Takes keys from the issuer's JWK set at a URL, fetched and refreshed as the class doc says
     * (in addition to keys given by the other methods). Allows RS256 and ES256 unless {@link
     * #algorithms} says otherwise.
     *
     * @param url an {@code http} or {@code https} URL, usually the issuer's {@code jwks_uri}
     * @return this builder
     * @throws NullPointerException if {@code url} is null
     * @throws IllegalArgumentException if {@code url} is not an absolute http(s) URL
     * @throws IllegalStateException if already set
     */
    public Builder jwksUrl(URI url) {
      Objects.requireNonNull(url, "url");
      String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
      if (!url.isAbsolute() || url.getHost() == null
          || !(scheme.equals("http") || scheme.equals("https"))) {
        throw new IllegalArgumentException("jwksUrl must be an absolute http or https URL but was "
            + url);
      }
      settings.requireUnset("jwksUrl", jwksUrl);
      this.jwksUrl = url;
      return this;
    }

    /**
     * Sets how long a fetched JWK set is used before it is fetched again ({@link
     * #DEFAULT_JWKS_CACHE_TTL} by default); a token with an unknown {@code kid} refreshes it
     * sooner, within {@link #jwksRefreshInterval}.
     *
     * @param ttl at least one millisecond
     * @return this builder
     * @throws IllegalArgumentException if {@code ttl} is shorter than a millisecond
     * @throws IllegalStateException if already set
     */
    public Builder jwksCacheTtl(Duration ttl) {
      Duration checked = Arguments.atLeastOneMilli(ttl, "jwksCacheTtl");
      settings.requireUnset("jwksCacheTtl", jwksCacheTtl);
      this.jwksCacheTtl = checked;
      return this;
    }

    /**
     * Sets the least time between two fetches of the JWKS URL ({@link
     * #DEFAULT_JWKS_REFRESH_INTERVAL} by default): however many tokens with unknown {@code kid}s
     * arrive, the URL is fetched at most once per interval, measured on the {@link #timeSource}.
     *
     * @param interval at least one millisecond
     * @return this builder
     * @throws IllegalArgumentException if {@code interval} is shorter than a millisecond
     * @throws IllegalStateException if already set
     */
    public Builder jwksRefreshInterval(Duration interval) {
      Duration checked = Arguments.atLeastOneMilli(interval, "jwksRefreshInterval");
      settings.requireUnset("jwksRefreshInterval", jwksRefreshInterval);
      this.jwksRefreshInterval = checked;
      return this;
    }

    /**
     * Sets how long the last good JWK set stays in use while the URL is down or serves a bad
     * document ({@link #DEFAULT_JWKS_OUTAGE_TOLERANCE} by default).
     *
     * @param tolerance at least one millisecond
     * @return this builder
     * @throws IllegalArgumentException if {@code tolerance} is shorter than a millisecond
     * @throws IllegalStateException if already set
     */
    public Builder jwksOutageTolerance(Duration tolerance) {
      Duration checked = Arguments.atLeastOneMilli(tolerance, "jwksOutageTolerance");
      settings.requireUnset("jwksOutageTolerance", jwksOutageTolerance);
      this.jwksOutageTolerance = checked;
      return this;
    }

    /**
     * Sets the connect and read timeout of a JWKS fetch ({@link #DEFAULT_JWKS_TIMEOUT} by
     * default).
     *
     * @param timeout at least one millisecond
     * @return this builder
     * @throws IllegalArgumentException if {@code timeout} is shorter than a millisecond
     * @throws IllegalStateException if already set
     */
    public Builder jwksTimeout(Duration timeout) {
      Duration checked = Arguments.atLeastOneMilli(timeout, "jwksTimeout");
      settings.requireUnset("jwksTimeout", jwksTimeout);
      this.jwksTimeout = checked;
      return this;
    }

    /**
     * Sets the largest JWKS document accepted ({@value #DEFAULT_JWKS_MAX_BYTES} bytes by default);
     * a larger one is rejected and the last good set stays.
     *
     * @param bytes at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes} is less than 1
     * @throws IllegalStateException if already set
     */
    public Builder jwksMaxBytes(int bytes) {
      int checked = Arguments.positive(bytes, "jwksMaxBytes");
      settings.requireUnset("jwksMaxBytes", jwksMaxBytes);
      this.jwksMaxBytes = checked;
      return this;
    }

    /**
     * Adds an HMAC secret, for HS256 tokens.
     *
     * @param secret the secret, at least {@value #MIN_HMAC_SECRET_BYTES} bytes, copied
     * @return this builder
     * @throws NullPointerException if {@code secret} is null
     * @throws IllegalArgumentException if {@code secret} is shorter than {@value
     *     #MIN_HMAC_SECRET_BYTES} bytes (the message gives its length, never the secret)
     */
    public Builder hmacSecret(byte[] secret) {
      Objects.requireNonNull(secret, "secret");
      if (secret.length < MIN_HMAC_SECRET_BYTES) {
        throw new IllegalArgumentException("secret must be >= " + MIN_HMAC_SECRET_BYTES
            + " bytes for HS256 but was " + secret.length + " bytes");
      }
      keys.add(new OctetSequenceKey.Builder(secret.clone()).build());
      keyAlgorithms.add("HS256");
      return this;
    }

    /**
     * Adds a public key: an RSA key (at least {@value #MIN_RSA_BITS} bits) for RS256 tokens or an
     * EC key on P-256 for ES256 tokens. The key has no id, so it is tried for tokens with any
     * {@code kid} or none.
     *
     * @param publicKey the key
     * @return this builder
     * @throws NullPointerException if {@code publicKey} is null
     * @throws IllegalArgumentException if the key is of another type or curve, or too short
     */
    public Builder publicKey(PublicKey publicKey) {
      Objects.requireNonNull(publicKey, "publicKey");
      if (publicKey instanceof RSAPublicKey) {
        return add(new RSAKey.Builder((RSAPublicKey) publicKey).build(), "publicKey");
      }
      if (publicKey instanceof ECPublicKey) {
        ECPublicKey ec = (ECPublicKey) publicKey;
        @Nullable Curve curve = Curve.forECParameterSpec(ec.getParams());
        if (!Curve.P_256.equals(curve)) {
          throw new IllegalArgumentException("publicKey must be an EC key on P-256 for ES256 but"
              + " was on " + (curve == null ? "an unknown curve" : curve.getName()));
        }
        return add(new ECKey.Builder(Curve.P_256, ec).build(), "publicKey");
      }
      throw new IllegalArgumentException("publicKey must be an RSA or EC P-256 key but was "
          + publicKey.getAlgorithm() + " (" + publicKey.getClass().getName() + ")");
    }

    /**
     * Adds the keys of a JWK set (RFC 7517), as an issuer publishes at its {@code jwks_uri}: RSA
     * keys for RS256 and EC P-256 keys for ES256. Only the public parts are kept. A token whose
     * header names a {@code kid} is checked against the keys with that id.
     *
     * @param json the JWK set, {@code {"keys":[...]}}
     * @return this builder
     * @throws NullPointerException if {@code json} is null
     * @throws IllegalArgumentException if {@code json} is not a JWK set, is empty, or holds a key
     *     of another type or curve (the message names the key's id)
     */
    public Builder jwkSet(String json) {
      Objects.requireNonNull(json, "json");
      JWKSet set;
      try {
        set = JWKSet.parse(json);
      } catch (ParseException e) {
        throw new IllegalArgumentException("jwkSet is not a valid JWK set: " + e.getMessage(), e);
      }
      if (set.getKeys().isEmpty()) {
        throw new IllegalArgumentException("jwkSet must hold at least one key but was empty");
      }
      List<JWK> publicKeys = new ArrayList<>();
      for (JWK key : set.getKeys()) {
        if (key instanceof RSAKey
            || (key instanceof ECKey && Curve.P_256.equals(((ECKey) key).getCurve()))) {
          publicKeys.add(Objects.requireNonNull(key.toPublicJWK()));
        } else {
          throw new IllegalArgumentException("jwkSet must hold RSA or EC P-256 keys but key '"
              + key.getKeyID() + "' is " + key.getKeyType()
              + (key instanceof ECKey ? " on " + ((ECKey) key).getCurve() : ""));
        }
      }
      for (JWK key : publicKeys) {
        add(key, "jwkSet");
      }
      return this;
    }

    private Builder add(JWK key, String parameter) {
      if (key instanceof RSAKey) {
        int bits = key.size();
        if (bits < MIN_RSA_BITS) {
          throw new IllegalArgumentException(parameter + " RSA keys must be >= " + MIN_RSA_BITS
              + " bits but key '" + key.getKeyID() + "' was " + bits + " bits");
        }
        keyAlgorithms.add("RS256");
      } else {
        keyAlgorithms.add("ES256");
      }
      keys.add(key);
      return this;
    }

    /**
     * Sets the algorithms a token may be signed with, replacing the default (every algorithm for
     * which a key was added). Each must have a key by {@link #build}.
     *
     * @param names {@code HS256}, {@code RS256} and/or {@code ES256}, as written in a JWS header
     * @return this builder
     * @throws NullPointerException if {@code names} or an element is null
     * @throws IllegalArgumentException if {@code names} is empty or names another algorithm
     *     (including {@code none})
     * @throws IllegalStateException if already set
     */
    public Builder algorithms(String... names) {
      Objects.requireNonNull(names, "names");
      if (names.length == 0) {
        throw new IllegalArgumentException("algorithms must not be empty but was []");
      }
      Set<String> set = new LinkedHashSet<>();
      for (String name : names) {
        Objects.requireNonNull(name, "algorithm");
        if (!SUPPORTED.contains(name)) {
          throw new IllegalArgumentException(
              "algorithms must be among HS256, RS256, ES256 but had '" + name + "'");
        }
        set.add(name);
      }
      settings.requireUnset("algorithms", algorithms);
      this.algorithms = set;
      return this;
    }

    /**
     * Sets the issuer a token's {@code iss} must equal. Required.
     *
     * @param issuer the issuer, for example {@code https://id.example.com}
     * @return this builder
     * @throws NullPointerException if {@code issuer} is null
     * @throws IllegalArgumentException if {@code issuer} is blank
     * @throws IllegalStateException if already set
     */
    public Builder issuer(String issuer) {
      String checked = Arguments.notBlank(issuer, "issuer");
      settings.requireUnset("issuer", this.issuer);
      this.issuer = checked;
      return this;
    }

    /**
     * Adds audiences; a token's {@code aud} must contain at least one of them. Required.
     *
     * @param audiences the audiences, for example the API's identifier
     * @return this builder
     * @throws NullPointerException if {@code audiences} or an element is null
     * @throws IllegalArgumentException if an audience is blank
     */
    public Builder audience(String... audiences) {
      Objects.requireNonNull(audiences, "audiences");
      for (String audience : audiences) {
        Arguments.notBlank(audience, "audience");
        this.audience.add(audience);
      }
      return this;
    }

    /**
     * Sets how far the issuer's clock may be from ours for {@code exp} and {@code nbf}.
     *
     * @param clockSkew the allowed skew, whole seconds from zero to one hour
     * @return this builder
     * @throws NullPointerException if {@code clockSkew} is null
     * @throws IllegalArgumentException if {@code clockSkew} is negative, longer than an hour or not
     *     whole seconds
     * @throws IllegalStateException if already set
     */
    public Builder clockSkew(Duration clockSkew) {
      Objects.requireNonNull(clockSkew, "clockSkew");
      if (clockSkew.isNegative() || clockSkew.compareTo(Duration.ofHours(1)) > 0
          || clockSkew.toNanosPart() != 0) {
        throw new IllegalArgumentException(
            "clockSkew must be whole seconds from 0 to 1 hour but was " + clockSkew);
      }
      settings.requireUnset("clockSkew", this.clockSkew);
      this.clockSkew = clockSkew;
      return this;
    }

    /**
     * Sets whether a token must have an {@code exp} claim; it must by default, because a token
     * without one is valid forever once leaked.
     *
     * @param requireExpiration false to accept tokens without {@code exp}
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder requireExpiration(boolean requireExpiration) {
      settings.requireUnset("requireExpiration", this.requireExpiration);
      this.requireExpiration = requireExpiration;
      return this;
    }

    /**
     * Sets the source of the current time for {@code exp} and {@code nbf}; meant for tests.
     *
     * @param timeSource the time source; its wall clock is read
     * @return this builder
     * @throws NullPointerException if {@code timeSource} is null
     * @throws IllegalStateException if already set
     */
    public Builder timeSource(TimeSource timeSource) {
      TimeSource checked = Objects.requireNonNull(timeSource, "timeSource");
      settings.requireUnset("timeSource", this.timeSource);
      this.timeSource = checked;
      return this;
    }

    /**
     * Sets the realm named in the {@code WWW-Authenticate} challenge.
     *
     * @param realm the realm: printable ASCII without {@code "} and {@code \}
     * @return this builder
     * @throws NullPointerException if {@code realm} is null
     * @throws IllegalArgumentException if {@code realm} is empty or has other characters
     * @throws IllegalStateException if already set
     */
    public Builder realm(String realm) {
      String checked = HttpSyntax.requireRealm(realm);
      settings.requireUnset("realm", this.realm);
      this.realm = checked;
      return this;
    }

    /**
     * Builds the auth.
     *
     * @return the auth, immutable and thread-safe
     * @throws IllegalStateException if no key or JWKS URL, issuer or audience was given, or an
     *     allowed algorithm has no key
     */
    public JwtAuth build() {
      if (keys.isEmpty() && jwksUrl == null) {
        throw new IllegalStateException(
            "no key was added: call hmacSecret, publicKey, jwkSet or jwksUrl");
      }
      if (issuer == null) {
        throw new IllegalStateException("issuer was not set");
      }
      if (audience.isEmpty()) {
        throw new IllegalStateException("audience was not set");
      }
      Set<String> available = new LinkedHashSet<>(keyAlgorithms);
      if (jwksUrl != null) {
        available.add("RS256");
        available.add("ES256");
      }
      Set<String> names = algorithms != null ? algorithms : available;
      Set<JWSAlgorithm> allowed = new LinkedHashSet<>();
      for (String name : names) {
        if (!available.contains(name)) {
          throw new IllegalStateException("algorithms allow " + name + " but no "
              + keyType(name) + " key was added");
        }
        allowed.add(JWSAlgorithm.parse(name));
      }
      return new JwtAuth(this, Set.copyOf(allowed));
    }

    private static String keyType(String algorithm) {
      switch (algorithm.toUpperCase(Locale.ROOT)) {
        case "HS256":
          return "HMAC";
        case "RS256":
          return "RSA";
        default:
          return "EC P-256";
      }
    }
  }
}
