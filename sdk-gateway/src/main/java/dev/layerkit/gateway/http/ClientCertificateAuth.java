package dev.layerkit.gateway.http;

import java.security.cert.X509Certificate;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import javax.security.auth.x500.X500Principal;

/**
 * An {@link Auth} that authenticates a request by the client certificate of its TLS connection
 * (mutual TLS, {@link Tls.Builder#clientAuth}): the certificate was verified against the
 * gateway's trusted CAs in the handshake, so this only decides whose certificates a route admits.
 *
 * <p>A request with a certificate whose subject is allowed is authenticated as {@code
 * Principal(<subject DN, RFC 2253>, "client-certificate", {issuer, serialNumber})}. A request
 * without a certificate (a plaintext gateway, or {@link Tls.ClientAuth#OPTIONAL} and none sent)
 * gets a 401, a certificate whose subject is not allowed a 403; both with the challenge {@value
 * #CHALLENGE} (HTTP has no registered scheme for client certificates; the value tells a client
 * what is missing).
 *
 * <pre>{@code
 * Auth auth = Auth.clientCertificate()
 *     .allowSubject("CN=billing,O=Example")
 *     .allowSubject("CN=reports,O=Example")
 *     .build();
 * }</pre>
 *
 * <p>Subjects compare as X.500 names (RFC 5280 matching: attribute order as written, values
 * case-insensitive and whitespace-normalized), not as strings. Without {@link
 * Builder#allowSubject} every verified certificate is admitted.
 *
 * <p>Immutable and thread-safe; {@link #authenticate} does not block.
 */
public final class ClientCertificateAuth implements Auth {

  /** The {@code WWW-Authenticate} value of a failure. */
  public static final String CHALLENGE = "ClientCertificate";

  /** The {@link Principal#scheme()} of an authenticated request. */
  public static final String SCHEME = "client-certificate";

  /** The claim holding the issuer's DN (RFC 2253). */
  public static final String ISSUER_CLAIM = "issuer";

  /** The claim holding the certificate's serial number, in hexadecimal. */
  public static final String SERIAL_NUMBER_CLAIM = "serialNumber";

  private static final AuthResult MISSING =
      AuthResult.unauthorized(CHALLENGE, "client certificate required");
  private static final AuthResult NOT_ALLOWED =
      AuthResult.forbidden(CHALLENGE, "client certificate not allowed on this route");

  private final Set<X500Principal> subjects;

  private ClientCertificateAuth(Builder builder) {
    this.subjects = Set.copyOf(builder.subjects);
  }

  /**
   * Starts a builder; {@link Auth#clientCertificate()} does the same.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public AuthResult authenticate(GatewayRequest request) {
    List<X509Certificate> chain = request.clientCertificates();
    if (chain.isEmpty()) {
      return MISSING;
    }
    X509Certificate leaf = chain.get(0);
    X500Principal subject = leaf.getSubjectX500Principal();
    if (!subjects.isEmpty() && !subjects.contains(subject)) {
      return NOT_ALLOWED;
    }
    return AuthResult.success(new Principal(subject.getName(), SCHEME, Map.of(
        ISSUER_CLAIM, leaf.getIssuerX500Principal().getName(),
        SERIAL_NUMBER_CLAIM, leaf.getSerialNumber().toString(16))));
  }

  /**
   * Returns the subjects admitted.
   *
   * @return the subjects, empty if every verified certificate is admitted
   */
  public Set<X500Principal> allowedSubjects() {
    return subjects;
  }

  @Override
  public String toString() {
    return "ClientCertificateAuth" + (subjects.isEmpty() ? "[any verified certificate]"
        : subjects.toString());
  }

  /** Builds a {@link ClientCertificateAuth}. Not thread-safe. */
  public static final class Builder {

    private final Set<X500Principal> subjects = new LinkedHashSet<>();

    private Builder() {}

    /**
     * Admits certificates with this subject; may be called for each subject to admit.
     *
     * @param distinguishedName an X.500 name as in RFC 2253 or 1779, such as {@code
     *     CN=billing,O=Example}
     * @return this builder
     * @throws IllegalArgumentException if {@code distinguishedName} is not an X.500 name
     */
    public Builder allowSubject(String distinguishedName) {
      Objects.requireNonNull(distinguishedName, "distinguishedName");
      try {
        subjects.add(new X500Principal(distinguishedName));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("allowSubject must be an X.500 distinguished name but"
            + " was '" + distinguishedName + "': " + e.getMessage(), e);
      }
      return this;
    }

    /**
     * Builds the auth.
     *
     * @return the auth
     */
    public ClientCertificateAuth build() {
      return new ClientCertificateAuth(this);
    }
  }
}
