package dev.layerkit.gateway.http;

import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import dev.layerkit.gateway.http.internal.HttpSyntax;
import java.nio.charset.StandardCharsets;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link Auth} that accepts requests carrying one of a set of API keys, kept only as SHA-256
 * hashes and compared in constant time.
 *
 * <p>The key is read from a header ({@value #DEFAULT_HEADER} unless {@link Builder#header} says
 * otherwise) or, when that header is absent, from {@code Authorization: ApiKey <key>}. A request
 * whose key's hash equals a stored one is authenticated as {@code Principal(keyId, "api-key",
 * {groups: [...]})}: the key's id, never the key, and the groups it was put in ({@link
 * Builder#groups}, for {@link Authorization}). A request without a key gets a 401 with the challenge
 * {@code ApiKey realm="<realm>"}; a request with a wrong key the same 401 with {@code
 * error="invalid_key"} added. The key is never logged, echoed in an answer or kept.
 *
 * <p>Timing: the presented key is hashed and its hash compared with every stored hash without an
 * early exit, so the time of {@link #authenticate} depends on the length of the presented key
 * and the number of stored keys only, not on which key matched or how much of a wrong key was
 * right ({@code ApiKeyAuthBenchmark} in {@code benchmarks/} measures it).
 *
 * <p>Why hand-written: Netty and the JDK have no API key filter, and the part that matters (the
 * constant-time lookup) is a few lines over {@link MessageDigest#isEqual}.
 *
 * <p>Immutable and thread-safe; {@link #authenticate} does not block, and for an ASCII key of up
 * to 256 characters allocates nothing: the digest and the buffers for the key's bytes and its
 * hash are reused per thread, and results are made once (a longer or non-ASCII key allocates its
 * UTF-8 bytes). Its cost is one SHA-256 of the key plus one 32-byte comparison per stored key:
 * linear in the number of keys, by design. Built by {@link Auth#apiKeys()}:
 *
 * <pre>{@code
 * Auth auth = Auth.apiKeys()
 *     .addKeyHash("billing", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
 *     .addKey("ops", System.getenv("OPS_API_KEY"))
 *     .build();
 * }</pre>
 */
public final class ApiKeyAuth implements Auth {

  /** The header read by default. */
  public static final String DEFAULT_HEADER = "X-API-Key";

  /** The realm of the challenge by default. */
  public static final String DEFAULT_REALM = "layerkit";

  /**
   * The claim of an API-key {@link Principal} that lists the key's groups ({@link
   * Builder#groups}), a {@code List<String>}; absent for a key in no group.
   */
  public static final String GROUPS_CLAIM = "groups";

  /** The {@code Authorization} scheme that also carries a key. */
  public static final String AUTHORIZATION_SCHEME = "ApiKey";

  private static final Logger LOG = LoggerFactory.getLogger(ApiKeyAuth.class);

  private static final ThreadLocal<KeyHasher> HASHERS = ThreadLocal.withInitial(KeyHasher::new);

  private final String header;
  private final String realm;
  private final ConstantTimeKeys keys;
  private final AuthResult[] successes;
  private final AuthResult missing;
  private final AuthResult invalid;

  private ApiKeyAuth(Builder builder) {
    this.header = builder.header;
    this.realm = builder.realm;
    List<byte[]> hashes = new ArrayList<>(builder.hashes.size());
    this.successes = new AuthResult[builder.hashes.size()];
    int i = 0;
    for (Map.Entry<String, byte[]> entry : builder.hashes.entrySet()) {
      hashes.add(entry.getValue());
      List<String> groups = builder.groups.get(entry.getKey());
      Map<String, Object> claims = groups == null ? Map.of() : Map.of(GROUPS_CLAIM, List.copyOf(groups));
      successes[i++] = AuthResult.success(new Principal(entry.getKey(), "api-key", claims));
    }
    this.keys = new ConstantTimeKeys(hashes);
    String challenge = AUTHORIZATION_SCHEME + " realm=\"" + realm + "\"";
    this.missing = AuthResult.unauthorized(challenge, "missing API key");
    this.invalid =
        AuthResult.unauthorized(challenge + ", error=\"invalid_key\"", "invalid API key");
  }

  /**
   * Returns a builder with the defaults: header {@value #DEFAULT_HEADER}, realm {@value
   * #DEFAULT_REALM} and no keys. Same as {@link Auth#apiKeys()}.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the SHA-256 hash of a key as stored by {@link Builder#addKey}, for provisioning hashes
   * ({@link Builder#addKeyHash(String, String)}) without keeping the keys.
   *
   * @param plaintextKey the key
   * @return the hash of the key's UTF-8 bytes, as 64 lower-case hex digits
   * @throws NullPointerException if {@code plaintextKey} is null
   */
  public static String sha256Hex(String plaintextKey) {
    Objects.requireNonNull(plaintextKey, "plaintextKey");
    return HexFormat.of().formatHex(hash(plaintextKey));
  }

  /**
   * Authenticates a request by its API key.
   *
   * @param request the request
   * @return the key's principal, or a 401 when the key is missing or wrong
   */
  @Override
  public AuthResult authenticate(GatewayRequest request) {
    @Nullable String key = presentedKey(request);
    if (key == null) {
      return missing;
    }
    int index = keys.indexOf(HASHERS.get().hash(key));
    if (index == ConstantTimeKeys.NO_MATCH) {
      LOG.debug("Invalid API key on request {} from {}", request.requestId(),
          request.remoteAddress());
      return invalid;
    }
    return successes[index];
  }

  private @Nullable String presentedKey(GatewayRequest request) {
    @Nullable String value = request.header(header);
    if (value != null) {
      value = value.trim();
      return value.isEmpty() ? null : value;
    }
    for (String authorization : request.headers("Authorization")) {
      @Nullable String credentials = HttpSyntax.credentials(authorization, AUTHORIZATION_SCHEME);
      if (credentials != null) {
        return credentials;
      }
    }
    return null;
  }

  /** The SHA-256 hash of a key's UTF-8 bytes, in an array of its own. */
  private static byte[] hash(String key) {
    return HASHERS.get().hash(key).clone();
  }

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform must support SHA-256", e);
    }
  }

  /** Returns the header, realm and number of keys; never a key or a hash. */
  @Override
  public String toString() {
    return "ApiKeyAuth[header=" + header + ", realm=" + realm + ", keys=" + keys.size() + "]";
  }

  /**
   * One thread's SHA-256 of presented keys, without allocating: an ASCII key of up to {@link
   * #BUFFERED} characters (what {@code openssl rand -hex} and most key generators make) is copied
   * into a reused buffer, any other is encoded as UTF-8 into an array of its own; the hash lands in
   * a reused array, valid until the thread's next call. The copy's early exit at a non-ASCII
   * character depends on the presented key only, never on a stored one.
   */
  private static final class KeyHasher {
    /** The longest key copied into the buffer (longer keys are encoded into an array each). */
    static final int BUFFERED = 256;

    private final MessageDigest digest = newSha256();
    private final byte[] bytes = new byte[BUFFERED];
    private final byte[] hash = new byte[ConstantTimeKeys.HASH_LENGTH];

    /** Returns the hash of the key's UTF-8 bytes, in this thread's reused array. */
    byte[] hash(String key) {
      int length = key.length();
      if (length > BUFFERED || !copyAscii(key, length)) {
        digest.update(key.getBytes(StandardCharsets.UTF_8));
      } else {
        digest.update(bytes, 0, length);
      }
      try {
        digest.digest(hash, 0, hash.length);
      } catch (DigestException e) {
        throw new IllegalStateException("a SHA-256 hash is " + hash.length + " bytes", e);
      }
      return hash;
    }

    /** Copies the key into the buffer if it is ASCII, whose UTF-8 bytes are its characters. */
    private boolean copyAscii(String key, int length) {
      for (int i = 0; i < length; i++) {
        char c = key.charAt(i);
        if (c >= 0x80) {
          return false;
        }
        bytes[i] = (byte) c;
      }
      return true;
    }
  }

  /**
   * Configures an {@link ApiKeyAuth}. Plaintext keys are hashed as soon as they are added; the
   * builder keeps only hashes.
   *
   * <p>{@link #header} and {@link #realm} may be given once: a second call throws {@link
   * IllegalStateException} (a value the setter rejected does not count as given); the {@code
   * addKey} methods add.
   *
   * <p>Not thread-safe; {@link #build} returns an immutable auth that does not change when the
   * builder does.
   */
  public static final class Builder {

    private final BuilderSettings settings = new BuilderSettings();

    private final Map<String, byte[]> hashes = new LinkedHashMap<>();
    private final Map<String, List<String>> groups = new LinkedHashMap<>();
    private String header = DEFAULT_HEADER;
    private String realm = DEFAULT_REALM;

    private Builder() {}

    /**
     * Adds a key by its plaintext, which is hashed at once and not kept.
     *
     * @param keyId the key's id, the subject of the principal (for logs and rate limits)
     * @param plaintextKey the key as clients send it: 1 or more printable ASCII characters without
     *     white space
     * @return this builder
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code keyId} is blank or {@code plaintextKey} is empty
     *     or has other characters (the message gives the key's length, never the key)
     * @throws IllegalStateException if {@code keyId} was added already, or the same key under
     *     another id
     */
    public Builder addKey(String keyId, String plaintextKey) {
      Objects.requireNonNull(keyId, "keyId");
      Objects.requireNonNull(plaintextKey, "plaintextKey");
      if (plaintextKey.isEmpty()) {
        throw new IllegalArgumentException("plaintextKey of '" + keyId + "' must not be empty");
      }
      for (int i = 0; i < plaintextKey.length(); i++) {
        char c = plaintextKey.charAt(i);
        if (c <= 0x20 || c > 0x7e) {
          throw new IllegalArgumentException("plaintextKey of '" + keyId
              + "' must be printable ASCII without white space but has a character 0x"
              + Integer.toHexString(c) + " at index " + i + " (of " + plaintextKey.length()
              + ")");
        }
      }
      return put(keyId, hash(plaintextKey));
    }

    /**
     * Adds a key by the SHA-256 hash of its UTF-8 bytes (see {@link ApiKeyAuth#sha256Hex}).
     *
     * @param keyId the key's id, the subject of the principal
     * @param sha256 the hash, 32 bytes, copied
     * @return this builder
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code keyId} is blank or {@code sha256} is not 32 bytes
     * @throws IllegalStateException if {@code keyId} or the hash was added already
     */
    public Builder addKeyHash(String keyId, byte[] sha256) {
      Objects.requireNonNull(keyId, "keyId");
      Objects.requireNonNull(sha256, "sha256");
      if (sha256.length != ConstantTimeKeys.HASH_LENGTH) {
        throw new IllegalArgumentException("sha256 of '" + keyId + "' must be "
            + ConstantTimeKeys.HASH_LENGTH + " bytes but was " + sha256.length);
      }
      return put(keyId, sha256.clone());
    }

    /**
     * Adds a key by the SHA-256 hash of its UTF-8 bytes, in hex.
     *
     * @param keyId the key's id, the subject of the principal
     * @param sha256Hex the hash, 64 hex digits in either case
     * @return this builder
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code keyId} is blank or {@code sha256Hex} is not 64
     *     hex digits
     * @throws IllegalStateException if {@code keyId} or the hash was added already
     */
    public Builder addKeyHash(String keyId, String sha256Hex) {
      Objects.requireNonNull(keyId, "keyId");
      Objects.requireNonNull(sha256Hex, "sha256Hex");
      byte[] hash;
      try {
        hash = HexFormat.of().parseHex(sha256Hex);
      } catch (IllegalArgumentException e) {
        hash = new byte[0];
      }
      if (hash.length != ConstantTimeKeys.HASH_LENGTH) {
        throw new IllegalArgumentException("sha256Hex of '" + keyId
            + "' must be 64 hex digits but was '" + sha256Hex + "'");
      }
      return put(keyId, hash);
    }

    private Builder put(String keyId, byte[] hash) {
      Arguments.notBlank(keyId, "keyId");
      if (hashes.containsKey(keyId)) {
        throw new IllegalStateException("keyId '" + keyId + "' was added already");
      }
      for (Map.Entry<String, byte[]> entry : hashes.entrySet()) {
        if (MessageDigest.isEqual(entry.getValue(), hash)) {
          throw new IllegalStateException("the key of '" + keyId + "' is the same as the key of '"
              + entry.getKey() + "'");
        }
      }
      hashes.put(keyId, hash);
      return this;
    }

    /**
     * Puts a key into groups, which an {@link Authorization} can require ({@link
     * Authorization.Builder#apiKeyGroups}). The principal of the key carries them in its {@value
     * #GROUPS_CLAIM} claim. Calls for the same key add groups.
     *
     * @param keyId the id of a key added before
     * @param groups the groups, not blank
     * @return this builder
     * @throws NullPointerException if an argument or a group is null
     * @throws IllegalArgumentException if no key has that id, or a group is blank
     */
    public Builder groups(String keyId, String... groups) {
      Objects.requireNonNull(keyId, "keyId");
      Objects.requireNonNull(groups, "groups");
      if (!hashes.containsKey(keyId)) {
        throw new IllegalArgumentException("groups: no key '" + keyId + "' was added; added: "
            + hashes.keySet());
      }
      List<String> list = this.groups.computeIfAbsent(keyId, id -> new ArrayList<>());
      for (String group : groups) {
        String checked = Arguments.notBlank(Objects.requireNonNull(group, "group"), "group");
        if (!list.contains(checked)) {
          list.add(checked);
        }
      }
      return this;
    }

    /**
     * Sets the header the key is read from; {@code Authorization: ApiKey <key>} is read when it
     * is absent.
     *
     * @param header the header name, any case
     * @return this builder
     * @throws NullPointerException if {@code header} is null
     * @throws IllegalArgumentException if {@code header} is not a valid header name, or is {@code
     *     Authorization}
     * @throws IllegalStateException if already set
     */
    public Builder header(String header) {
      Objects.requireNonNull(header, "header");
      if (!HttpSyntax.isToken(header) || header.equalsIgnoreCase("Authorization")) {
        throw new IllegalArgumentException(
            "header must be a header name other than Authorization but was '" + header + "'");
      }
      settings.requireUnset("header", this.header);
      this.header = header;
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
     * @throws IllegalStateException if no key was added
     */
    public ApiKeyAuth build() {
      if (hashes.isEmpty()) {
        throw new IllegalStateException("no API key was added: call addKey or addKeyHash");
      }
      return new ApiKeyAuth(this);
    }
  }
}
