package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.layerkit.core.time.ManualTimeSource;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Fuzzes {@link JwtAuth} with tokens a client could send: raw text, and tokens whose header and
 * claims are fuzzed JSON signed by one of the configured keys, by a key the auth does not hold, by
 * the RSA public key's bytes as an HMAC secret (algorithm confusion), or with a fuzzed signature.
 *
 * <p>The oracle for a signature is the JDK's own {@code Mac} and {@code Signature}, not
 * nimbus-jose-jwt, which the auth is built on. In a normal test run Jazzer replays the committed
 * inputs under {@code JwtAuthFuzzTestInputs/}; RELIABILITY.md has the command for a fuzzing run.
 *
 * <p>Input format, so that seeds can be written by hand: the first byte picks the signer (see
 * {@link #sign}); the rest is UTF-8 text. Text without a line break is sent as the whole bearer
 * token; otherwise it is {@code header-json \n claims-json [\n signature-text]}, encoded as a
 * compact JWS.
 */
class JwtAuthFuzzTest {

  private static final InetSocketAddress PEER = new InetSocketAddress("192.0.2.7", 50000);
  private static final String ISSUER = "https://id.example.com";
  private static final String AUDIENCE = "orders";
  private static final byte[] SECRET =
      "0123456789abcdef0123456789abcdef-hs256".getBytes(StandardCharsets.UTF_8);
  private static final byte[] OTHER_SECRET =
      "fedcba9876543210fedcba9876543210-other".getBytes(StandardCharsets.UTF_8);
  private static final KeyPair RSA = generate("RSA");
  private static final KeyPair OTHER_RSA = generate("RSA");
  private static final KeyPair EC = generate("EC");
  private static final ManualTimeSource TIME = new ManualTimeSource();
  private static final JwtAuth AUTH = Auth.jwt().hmacSecret(SECRET).publicKey(RSA.getPublic())
      .publicKey(EC.getPublic()).issuer(ISSUER).audience(AUDIENCE).timeSource(TIME).build();
  private static final List<String> REASONS = List.of("missing bearer token", "malformed token",
      "unsigned token", "unsupported token type", "algorithm not allowed", "invalid signature",
      "invalid claims", "no matching key", "token rejected", "verification failed",
      "issuer not accepted", "audience not accepted", "token expired", "token not yet valid",
      "missing sub claim", "missing iss claim", "missing aud claim", "missing exp claim");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private static KeyPair generate(String algorithm) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
      if (algorithm.equals("EC")) {
        generator.initialize(new ECGenParameterSpec("secp256r1"));
      } else {
        generator.initialize(2048);
      }
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A token is accepted only with a signature the JDK verifies with the configured key of its
   * header's algorithm, the configured issuer and audience, a subject, and a current {@code exp}
   * (and {@code nbf}); anything else is the documented 401 with one of the fixed reasons, never
   * an exception and never the token echoed; the synchronous and asynchronous paths agree.
   */
  @FuzzTest(maxDuration = "2m")
  void acceptsOnlyValidlySignedCurrentTokensAndOtherwiseAnswersADocumented401(byte[] input)
      throws Exception {
    String token = token(input);
    GatewayRequest request =
        GatewayRequest.of("GET", "/orders", PEER, "Authorization", "Bearer " + token);

    AuthResult result = AUTH.authenticate(request);
    AuthResult async = AUTH.authenticateAsync(request).toCompletableFuture().getNow(null);

    assertThat(async).as("the asynchronous path answers at once with fixed keys").isNotNull();
    assertThat(async.authenticated()).isEqualTo(result.authenticated());
    if (!result.authenticated()) {
      assertThat(result.status()).isEqualTo(401);
      assertThat(result.message()).isIn(REASONS);
      assertThat(async.message()).isEqualTo(result.message());
      assertThat(result.challenge()).startsWith("Bearer realm=\"layerkit\"");
      if (token.length() >= 16) {
        assertThat(result.challenge() + result.message() + result).doesNotContain(token);
      }
      return;
    }
    String[] parts = token.split("\\.", -1);
    assertThat(parts).as("an accepted token is a compact JWS").hasSize(3);
    assertThat(signatureVerifies(parts)).as("accepted a token the JDK does not verify: %s", token)
        .isTrue();
    Principal principal = result.principal();
    assertThat(principal.scheme()).isEqualTo("jwt");
    assertThat(principal.subject()).isNotEmpty().isEqualTo(principal.claims().get("sub"));
    assertThat(principal.claims().get("iss")).isEqualTo(ISSUER);
    Object audience = principal.claims().get("aud");
    assertThat(audience instanceof Collection<?> list ? list.contains(AUDIENCE)
        : AUDIENCE.equals(audience)).as("audience %s", audience).isTrue();
    Instant now = TIME.instant();
    assertThat(principal.claims().get("exp")).isInstanceOfSatisfying(Instant.class,
        exp -> assertThat(exp).isAfter(now.minus(JwtAuth.DEFAULT_CLOCK_SKEW)));
    Object nbf = principal.claims().get("nbf");
    if (nbf != null) {
      assertThat(nbf).isInstanceOfSatisfying(Instant.class,
          notBefore -> assertThat(notBefore).isBeforeOrEqualTo(now.plus(JwtAuth.DEFAULT_CLOCK_SKEW)));
    }
  }

  /** The bearer token the input describes (see the class comment). */
  static String token(byte[] input) throws GeneralSecurityException {
    if (input.length == 0) {
      return "";
    }
    String text = new String(input, 1, input.length - 1, StandardCharsets.UTF_8);
    String[] lines = text.split("\n", 3);
    if (lines.length < 2) {
      return text;
    }
    String signingInput = B64.encodeToString(lines[0].getBytes(StandardCharsets.UTF_8)) + "."
        + B64.encodeToString(lines[1].getBytes(StandardCharsets.UTF_8));
    String signature = lines.length == 3 ? lines[2]
        : sign(input[0] & 0xff, signingInput.getBytes(StandardCharsets.US_ASCII));
    return signingInput + "." + signature;
  }

  /**
   * Signs with: 0 the configured HMAC secret (HS256), 1 another secret, 2 the configured RSA key
   * (RS256), 3 the configured EC key (ES256), 4 another RSA key, 5 HS256 keyed with the encoded
   * RSA public key (the algorithm-confusion attack), 6 no signature at all.
   */
  private static String sign(int signer, byte[] signingInput) throws GeneralSecurityException {
    byte[] signature = switch (signer % 7) {
      case 0 -> hmac(SECRET, signingInput);
      case 1 -> hmac(OTHER_SECRET, signingInput);
      case 2 -> signature("SHA256withRSA", RSA.getPrivate(), signingInput);
      case 3 -> signature("SHA256withECDSAinP1363Format", EC.getPrivate(), signingInput);
      case 4 -> signature("SHA256withRSA", OTHER_RSA.getPrivate(), signingInput);
      case 5 -> hmac(RSA.getPublic().getEncoded(), signingInput);
      default -> new byte[0];
    };
    return B64.encodeToString(signature);
  }

  private static byte[] hmac(byte[] key, byte[] data) throws GeneralSecurityException {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    return mac.doFinal(data);
  }

  private static byte[] signature(String algorithm, PrivateKey key, byte[] data)
      throws GeneralSecurityException {
    Signature signer = Signature.getInstance(algorithm);
    signer.initSign(key);
    signer.update(data);
    return signer.sign();
  }

  /**
   * Whether the JDK verifies the token's signature with the configured key of the algorithm its
   * header names (HS256, RS256 or ES256; any other algorithm verifies nothing).
   */
  private static boolean signatureVerifies(String[] parts) throws Exception {
    JsonNode header = JSON.readTree(Base64.getUrlDecoder().decode(parts[0]));
    String algorithm = header.path("alg").asText("");
    byte[] signingInput = (parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII);
    byte[] signature = Base64.getUrlDecoder().decode(parts[2]);
    return switch (algorithm) {
      case "HS256" -> java.security.MessageDigest.isEqual(hmac(SECRET, signingInput), signature);
      case "RS256" -> verifies("SHA256withRSA", RSA.getPublic(), signingInput, signature);
      case "ES256" -> verifies("SHA256withECDSAinP1363Format", EC.getPublic(), signingInput,
          signature);
      default -> false;
    };
  }

  private static boolean verifies(String algorithm, PublicKey key, byte[] data, byte[] signature)
      throws GeneralSecurityException {
    Signature verifier = Signature.getInstance(algorithm);
    verifier.initVerify(key);
    verifier.update(data);
    try {
      return verifier.verify(signature);
    } catch (SignatureException e) {
      return false; // not even the shape of a signature of this algorithm
    }
  }
}
