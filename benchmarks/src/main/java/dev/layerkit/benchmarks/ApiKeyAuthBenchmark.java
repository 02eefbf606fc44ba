package dev.layerkit.benchmarks;

import dev.layerkit.gateway.http.ApiKeyAuth;
import dev.layerkit.gateway.http.Auth;
import dev.layerkit.gateway.http.AuthResult;
import dev.layerkit.gateway.http.GatewayRequest;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The time of {@link ApiKeyAuth#authenticate} for the right key (first and last of the stored
 * keys), and for a wrong key that differs from the last stored key in its first byte or in its
 * last byte: all four should take the same time (ratio about 1.0), which is what "no early exit"
 * means when measured. The anchor is the right key in the last position.
 *
 * <p>Two references, not anchors: {@code sha256Only} is the cost of hashing the presented key
 * alone (what dominates a lookup over few keys), and {@code plaintextMapGet} is what a naive
 * filter does (a {@code HashMap} of plaintext keys: faster, but it keeps the keys and its {@code
 * String.equals} exits at the first differing byte).
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar ApiKeyAuthBenchmark -prof gc -rf json
 * -rff /tmp/apikey.json} then {@code python3 benchmarks/jmh_table.py /tmp/apikey.json
 * correctLastKey} (after {@code ./mvnw -B -q package -pl benchmarks -am -DskipTests}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ApiKeyAuthBenchmark {

  private static final InetSocketAddress PEER = new InetSocketAddress("192.0.2.1", 40000);

  @Param({"1", "100"})
  int keys;

  ApiKeyAuth auth;
  GatewayRequest firstKey;
  GatewayRequest lastKey;
  GatewayRequest wrongFirstByte;
  GatewayRequest wrongLastByte;
  byte[] lastKeyBytes;
  MessageDigest sha256;
  Map<String, String> plaintext;

  /**
   * Builds the auth with {@link #keys} keys of 40 characters.
   *
   * @throws NoSuchAlgorithmException never
   */
  @Setup
  public void setUp() throws NoSuchAlgorithmException {
    ApiKeyAuth.Builder builder = Auth.apiKeys();
    plaintext = new HashMap<>();
    String first = null;
    String last = null;
    for (int i = 0; i < keys; i++) {
      String key = String.format("lk_%037d", 7_919L * (i + 1));
      builder.addKey("key-" + i, key);
      plaintext.put(key, "key-" + i);
      first = first == null ? key : first;
      last = key;
    }
    auth = builder.build();
    firstKey = request(first);
    lastKey = request(last);
    wrongFirstByte = request("X" + last.substring(1));
    wrongLastByte = request(last.substring(0, last.length() - 1) + "X");
    lastKeyBytes = last.getBytes(StandardCharsets.UTF_8);
    sha256 = MessageDigest.getInstance("SHA-256");
    if (!auth.authenticate(lastKey).authenticated()
        || auth.authenticate(wrongFirstByte).authenticated()
        || auth.authenticate(wrongLastByte).authenticated()) {
      throw new IllegalStateException("benchmark keys are not set up right");
    }
  }

  private static GatewayRequest request(String key) {
    return GatewayRequest.of("GET", "/api/orders", PEER, "Host", "api.example.com",
        "X-API-Key", key);
  }

  /**
   * The right key, stored first.
   *
   * @return the result
   */
  @Benchmark
  public AuthResult correctFirstKey() {
    return auth.authenticate(firstKey);
  }

  /**
   * The right key, stored last: the anchor.
   *
   * @return the result
   */
  @Benchmark
  public AuthResult correctLastKey() {
    return auth.authenticate(lastKey);
  }

  /**
   * The last key with its first byte changed.
   *
   * @return the result
   */
  @Benchmark
  public AuthResult wrongFirstByte() {
    return auth.authenticate(wrongFirstByte);
  }

  /**
   * The last key with its last byte changed.
   *
   * @return the result
   */
  @Benchmark
  public AuthResult wrongLastByte() {
    return auth.authenticate(wrongLastByte);
  }

  /**
   * Hashing the presented key alone.
   *
   * @return the hash
   */
  @Benchmark
  public byte[] sha256Only() {
    return sha256.digest(lastKeyBytes);
  }

  /**
   * A naive plaintext lookup, for reference.
   *
   * @return the key id
   */
  @Benchmark
  public String plaintextMapGet() {
    return plaintext.get(lastKey.header("X-API-Key"));
  }
}
