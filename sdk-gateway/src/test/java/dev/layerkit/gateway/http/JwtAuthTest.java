package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.layerkit.core.time.ManualTimeSource;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class JwtAuthTest {

  private static final InetSocketAddress PEER = new InetSocketAddress("192.0.2.7", 50000);
  private static final String ISSUER = "https://id.example.com";
  private static final String AUDIENCE = "orders";
  private static final byte[] SECRET =
      "0123456789abcdef0123456789abcdef-hs256".getBytes(StandardCharsets.UTF_8);
  private static final KeyPair RSA = generate("RSA", 2048);
  private static final String GARBAGE = "aZ09-_.=+/{}\"";
  private static final KeyPair EC = generateEc("secp256r1");

  private final ManualTimeSource time = new ManualTimeSource();
  private final Instant now = time.instant();

  private static KeyPair generate(String algorithm, int bits) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
      generator.initialize(bits);
      return generator.generateKeyPair();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static KeyPair generateEc(String curve) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec(curve));
      return generator.generateKeyPair();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private JwtAuth.Builder builder() {
    return Auth.jwt().issuer(ISSUER).audience(AUDIENCE).timeSource(time);
  }

  private JWTClaimsSet.Builder claims() {
    return new JWTClaimsSet.Builder()
        .subject("alice")
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .issueTime(Date.from(now))
        .expirationTime(Date.from(now.plusSeconds(300)))
        .claim("scope", "orders:read");
  }

  private static String sign(JWSAlgorithm algorithm, JWSSigner signer, JWTClaimsSet claims) {
    return sign(new JWSHeader.Builder(algorithm).type(JOSEObjectType.JWT).build(), signer, claims);
  }

  private static String sign(JWSHeader header, JWSSigner signer, JWTClaimsSet claims) {
    try {
      SignedJWT jwt = new SignedJWT(header, claims);
      jwt.sign(signer);
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String hs256(JWTClaimsSet claims) {
    try {
      return sign(JWSAlgorithm.HS256, new MACSigner(SECRET), claims);
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String rs256(JWTClaimsSet claims) {
    return sign(JWSAlgorithm.RS256, new RSASSASigner(RSA.getPrivate()), claims);
  }

  private static String es256(JWTClaimsSet claims) {
    try {
      return sign(JWSAlgorithm.ES256, new ECDSASigner((ECPrivateKey) EC.getPrivate()), claims);
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  private static GatewayRequest bearer(String token) {
    return GatewayRequest.of("GET", "/api/orders", PEER, "Authorization", "Bearer " + token);
  }

  private static void assertRejected(AuthResult result, String reason, String token) {
    assertThat(result.authenticated()).isFalse();
    assertThat(result.status()).isEqualTo(401);
    assertThat(result.challenge()).isEqualTo("Bearer realm=\"layerkit\", error=\"invalid_token\","
        + " error_description=\"" + reason + "\"");
    assertThat(result.message()).isEqualTo(reason);
    assertThat(result.challenge() + result.message() + result).doesNotContain(token);
  }

  private JWTClaimsSet claims(Consumer<JWTClaimsSet.Builder> change) {
    JWTClaimsSet.Builder builder = claims();
    change.accept(builder);
    return builder.build();
  }

  @Test
  void acceptsAnHs256TokenAsItsSubjectWithItsClaims() {
    JwtAuth auth = builder().hmacSecret(SECRET).build();

    AuthResult result = auth.authenticate(bearer(hs256(claims().build())));

    Principal principal = result.principal();
    assertThat(principal.subject()).isEqualTo("alice");
    assertThat(principal.scheme()).isEqualTo("jwt");
    assertThat(principal.claims())
        .containsEntry("iss", ISSUER)
        .containsEntry("scope", "orders:read")
        .containsEntry("exp", now.plusSeconds(300))
        .containsEntry("iat", now);
  }

  @Test
  void acceptsRs256AndEs256TokensWithTheirPublicKeys() {
    JwtAuth auth = builder().publicKey(RSA.getPublic()).publicKey(EC.getPublic()).build();

    assertThat(auth.authenticate(bearer(rs256(claims().build()))).principal().subject())
        .isEqualTo("alice");
    assertThat(auth.authenticate(bearer(es256(claims().build()))).principal().subject())
        .isEqualTo("alice");
    assertThat(auth.toString()).contains("[ES256, RS256]");
  }

  @Test
  void acceptsTheBearerSchemeInAnyCase() {
    JwtAuth auth = builder().hmacSecret(SECRET).build();
    String token = hs256(claims().build());

    assertThat(auth.authenticate(GatewayRequest.of("GET", "/", PEER, "authorization",
        "bearer " + token)).authenticated()).isTrue();
  }

  @Test
  void rejectsAlgNone() {
    JwtAuth auth = builder().hmacSecret(SECRET).build();
    String unsigned = new PlainJWT(claims().build()).serialize();

    assertRejected(auth.authenticate(bearer(unsigned)), "unsigned token", unsigned);
  }

  @Test
  void rejectsAlgNoneWithASignatureAppended() {
    JwtAuth auth = builder().hmacSecret(SECRET).build();
    String signed = hs256(claims().build());
    String header = Base64URL.encode("{\"alg\":\"none\"}").toString();
    String forged = header + signed.substring(signed.indexOf('.'));

    AuthResult result = auth.authenticate(bearer(forged));

    assertThat(result.authenticated()).isFalse();
    assertThat(result.message()).isIn("malformed token", "unsigned token");
  }

  @Test
  void rejectsAnHs256TokenWhenOnlyRs256IsAllowed() {
    JwtAuth auth = builder().publicKey(RSA.getPublic()).hmacSecret(SECRET)
        .algorithms("RS256").build();
    String token = hs256(claims().build());

    assertRejected(auth.authenticate(bearer(token)), "algorithm not allowed", token);
  }

  @Test
  void rejectsAnEs256TokenWhenOnlyAnRsaKeyWasGiven() {
    JwtAuth auth = builder().publicKey(RSA.getPublic()).build();
    String token = es256(claims().build());

    assertRejected(auth.authenticate(bearer(token)), "algorithm not allowed", token);
  }

  @Test
  void rejectsTheRsaPublicKeyUsedAsAnHmacSecret() throws JOSEException {
    byte[] publicKeyBytes = RSA.getPublic().getEncoded();
    byte[] jwkBytes = new RSAKey.Builder((RSAPublicKey) RSA.getPublic()).build().toJSONString()
        .getBytes(StandardCharsets.UTF_8);
    String withDer = sign(JWSAlgorithm.HS256, new MACSigner(publicKeyBytes), claims().build());
    String withJwk = sign(JWSAlgorithm.HS256, new MACSigner(jwkBytes), claims().build());

    JwtAuth rsaOnly = builder().publicKey(RSA.getPublic()).build();
    assertRejected(rsaOnly.authenticate(bearer(withDer)), "algorithm not allowed", withDer);
    assertRejected(rsaOnly.authenticate(bearer(withJwk)), "algorithm not allowed", withJwk);

    // Even with HS256 allowed (for another secret), an HS256 token is never checked against the
    // RSA key's bytes.
    JwtAuth both = builder().publicKey(RSA.getPublic()).hmacSecret(SECRET).build();
    assertRejected(both.authenticate(bearer(withDer)), "invalid signature", withDer);
    assertRejected(both.authenticate(bearer(withJwk)), "invalid signature", withJwk);
  }

  @Test
  void rejectsABadSignature() {
    JwtAuth auth = builder().publicKey(RSA.getPublic()).build();
    String token = rs256(claims().build());
    String otherClaims = rs256(claims().subject("mallory").build());
    String tampered = token.substring(0, token.indexOf('.'))
        + otherClaims.substring(otherClaims.indexOf('.'), otherClaims.lastIndexOf('.'))
        + token.substring(token.lastIndexOf('.'));
    String otherKey = sign(JWSAlgorithm.RS256,
        new RSASSASigner(generate("RSA", 2048).getPrivate()), claims().build());

    assertRejected(auth.authenticate(bearer(tampered)), "invalid signature", tampered);
    assertRejected(auth.authenticate(bearer(otherKey)), "invalid signature", otherKey);
  }

  @Test
  void rejectsAMalformedToken() {
    JwtAuth auth = builder().hmacSecret(SECRET).build();

    for (String token : List.of("abc", "a.b.c", "eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.c2ln")) {
      AuthResult result = auth.authenticate(bearer(token));
      assertThat(result.authenticated()).as(token).isFalse();
      assertThat(result.message()).as(token).isIn("malformed token", "invalid claims");
    }
  }

  @Test
  void rejectsClaimsOfTheWrongTypeWithoutThrowing() throws JOSEException {
    JwtAuth auth = builder().hmacSecret(SECRET).build();
    String[] payloads = {
        "{\"sub\":\"a\",\"iss\":\"" + ISSUER + "\",\"aud\":5,\"exp\":1900000000}",
        "{\"sub\":\"a\",\"iss\":\"" + ISSUER + "\",\"aud\":\"orders\",\"exp\":\"soon\"}",
        "{\"sub\":\"a\",\"iss\":[\"" + ISSUER + "\"],\"aud\":\"orders\",\"exp\":1900000000}",
        "[1,2,3]",
    };
    for (String payload : payloads) {
      JWSObject jws = new JWSObject(new JWSHeader(JWSAlgorithm.HS256), new Payload(payload));
      jws.sign(new MACSigner(SECRET));
      String token = jws.serialize();

      AuthResult result = auth.authenticate(bearer(token));

      assertThat(result.authenticated()).as(payload).isFalse();
      assertThat(result.status()).as(payload).isEqualTo(401);
    }
  }

  @Test
  void neverThrowsOnGarbage() {
    JwtAuth auth = builder().hmacSecret(SECRET).publicKey(RSA.getPublic()).build();
    String valid = hs256(claims().build());
    Random random = new Random(42);
    for (int i = 0; i < 2_000; i++) {
      char[] token = valid.toCharArray();
      for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
        token[random.nextInt(token.length)] = GARBAGE.charAt(random.nextInt(GARBAGE.length()));
      }
      String mutated = new String(token);

      AuthResult result = auth.authenticate(bearer(mutated));

      if (result.authenticated()) {
        assertThat(result.principal().subject()).isEqualTo("alice");
      } else {
        assertThat(result.status()).isEqualTo(401);
      }
    }
  }

  @Test
  void checksExpirationWithTheClockSkewOnTheTimeSource() {
    JwtAuth auth = builder().hmacSecret(SECRET).build();
    String token = hs256(claims().expirationTime(Date.from(now.plusSeconds(60))).build());

    time.advance(Duration.ofSeconds(60 + 29));
    assertThat(auth.authenticate(bearer(token)).authenticated()).isTrue();

    time.advance(Duration.ofSeconds(1));
    assertRejected(auth.authenticate(bearer(token)), "token expired", token);
  }

  @Test
  void checksNotBeforeWithTheClockSkew() {
    JwtAuth auth = builder().hmacSecret(SECRET).clockSkew(Duration.ofSeconds(10)).build();
    String token = hs256(claims().notBeforeTime(Date.from(now.plusSeconds(40))).build());

    assertRejected(auth.authenticate(bearer(token)), "token not yet valid", token);

    time.advance(Duration.ofSeconds(31));
    assertThat(auth.authenticate(bearer(token)).authenticated()).isTrue();
  }

  @Test
  void zeroClockSkewIsExact() {
    JwtAuth auth = builder().hmacSecret(SECRET).clockSkew(Duration.ZERO).build();
    String token = hs256(claims().expirationTime(Date.from(now.plusSeconds(5))).build());

    time.advance(Duration.ofMillis(4999));
    assertThat(auth.authenticate(bearer(token)).authenticated()).isTrue();
    time.advance(Duration.ofMillis(1));
    assertRejected(auth.authenticate(bearer(token)), "token expired", token);
  }

  @Test
  void rejectsAWrongIssuerOrAudience() {
    JwtAuth auth = builder().hmacSecret(SECRET).audience("billing").build();
    String wrongIssuer = hs256(claims(c -> c.issuer("https://evil.example.com")));
    String wrongAudience = hs256(claims(c -> c.audience("payments")));
    String noAudience = hs256(claims(c -> c.audience((String) null)));
    String secondAudience = hs256(claims(c -> c.audience(List.of("payments", "billing"))));

    assertRejected(auth.authenticate(bearer(wrongIssuer)), "issuer not accepted", wrongIssuer);
    assertRejected(
        auth.authenticate(bearer(wrongAudience)), "audience not accepted", wrongAudience);
    assertRejected(auth.authenticate(bearer(noAudience)), "missing aud claim", noAudience);
    assertThat(auth.authenticate(bearer(secondAudience)).authenticated()).isTrue();
  }

  @Test
  void requiresSubjectAndExpirationUnlessExpirationIsOptional() {
    String noSubject = hs256(claims(c -> c.subject(null)));
    String noExpiration = hs256(claims(c -> c.expirationTime(null)));

    JwtAuth strict = builder().hmacSecret(SECRET).build();
    assertRejected(strict.authenticate(bearer(noSubject)), "missing sub claim", noSubject);
    assertRejected(strict.authenticate(bearer(noExpiration)), "missing exp claim", noExpiration);

    JwtAuth lenient = builder().hmacSecret(SECRET).requireExpiration(false).build();
    assertThat(lenient.authenticate(bearer(noExpiration)).authenticated()).isTrue();
    assertRejected(lenient.authenticate(bearer(noSubject)), "missing sub claim", noSubject);
  }

  @Test
  void answersAMissingTokenWithAChallengeWithoutError() {
    JwtAuth auth = builder().hmacSecret(SECRET).realm("orders").build();

    for (GatewayRequest request : List.of(
        GatewayRequest.of("GET", "/", PEER),
        GatewayRequest.of("GET", "/", PEER, "Authorization", "Basic YTpi"),
        GatewayRequest.of("GET", "/", PEER, "Authorization", "Bearer  "))) {
      AuthResult result = auth.authenticate(request);
      assertThat(result.status()).isEqualTo(401);
      assertThat(result.challenge()).isEqualTo("Bearer realm=\"orders\"");
      assertThat(result.message()).isEqualTo("missing bearer token");
    }
  }

  @Test
  void verifiesWithAJwkSetByKeyId() {
    String jwks = new JWKSet(List.of(
        new RSAKey.Builder((RSAPublicKey) RSA.getPublic()).keyID("rsa-1").build(),
        new ECKey.Builder(Curve.P_256, (ECPublicKey) EC.getPublic()).keyID("ec-1").build()))
        .toString();
    JwtAuth auth = builder().jwkSet(jwks).build();
    String rightKid = sign(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("rsa-1").build(),
        new RSASSASigner(RSA.getPrivate()), claims().build());
    String wrongKid = sign(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("rsa-2").build(),
        new RSASSASigner(RSA.getPrivate()), claims().build());

    assertThat(auth.authenticate(bearer(rightKid)).authenticated()).isTrue();
    assertThat(auth.authenticate(bearer(es256(claims().build()))).authenticated()).isTrue();
    assertRejected(auth.authenticate(bearer(wrongKid)), "no matching key", wrongKid);
  }

  @Test
  void aKeyWithoutIdVerifiesTokensWithAnyKid() {
    JwtAuth auth = builder().publicKey(RSA.getPublic()).build();
    String token = sign(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("2026-11").build(),
        new RSASSASigner(RSA.getPrivate()), claims().build());

    assertThat(auth.authenticate(bearer(token)).authenticated()).isTrue();
  }

  @Test
  void acceptsAccessTokenTypeButNotOtherTypes() {
    JwtAuth auth = builder().publicKey(RSA.getPublic()).build();
    String accessToken = sign(
        new JWSHeader.Builder(JWSAlgorithm.RS256).type(new JOSEObjectType("at+jwt")).build(),
        new RSASSASigner(RSA.getPrivate()), claims().build());
    String other = sign(
        new JWSHeader.Builder(JWSAlgorithm.RS256).type(new JOSEObjectType("logout+jwt")).build(),
        new RSASSASigner(RSA.getPrivate()), claims().build());

    assertThat(auth.authenticate(bearer(accessToken)).authenticated()).isTrue();
    assertRejected(auth.authenticate(bearer(other)), "token rejected", other);
  }

  @Test
  void builderRejectsWeakKeysAndUnsupportedAlgorithms() {
    JwtAuth.Builder builder = builder();
    assertThatThrownBy(() -> builder.hmacSecret(new byte[31]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("secret must be >= 32 bytes for HS256 but was 31 bytes");
    assertThatThrownBy(() -> builder.publicKey(generate("RSA", 1024).getPublic()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1024 bits");
    assertThatThrownBy(() -> builder.publicKey(generateEc("secp384r1").getPublic()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("P-384");
    assertThatThrownBy(() -> builder.publicKey(generate("DSA", 2048).getPublic()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("DSA");
    assertThatThrownBy(() -> builder.algorithms("none"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'none'");
    assertThatThrownBy(() -> builder.algorithms("HS512"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'HS512'");
    assertThatThrownBy(() -> builder.clockSkew(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("clockSkew");
    assertThatThrownBy(() -> builder.issuer(" "))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("issuer");
    assertThatThrownBy(() -> builder.jwkSet("{"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("jwkSet");
    String octSet = new JWKSet(new OctetSequenceKey.Builder(SECRET).keyID("k").build())
        .toString(false);
    assertThatThrownBy(() -> builder.jwkSet(octSet))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'k'");
  }

  @Test
  void buildRequiresKeysIssuerAudienceAndAKeyForEveryAllowedAlgorithm() {
    assertThatThrownBy(() -> Auth.jwt().issuer(ISSUER).audience(AUDIENCE).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("no key");
    assertThatThrownBy(() -> Auth.jwt().hmacSecret(SECRET).audience(AUDIENCE).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("issuer");
    assertThatThrownBy(() -> Auth.jwt().hmacSecret(SECRET).issuer(ISSUER).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("audience");
    assertThatThrownBy(() -> builder().hmacSecret(SECRET).algorithms("HS256", "ES256").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("algorithms allow ES256 but no EC P-256 key was added");
  }
}
