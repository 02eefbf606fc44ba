package dev.layerkit.gateway.http;

import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * What an authenticated caller must hold to use a {@link Route}: OAuth scopes and roles of a JWT,
 * or groups of an API key. Checked after {@link Auth}, so a caller with valid credentials that
 * lack a permission gets {@code 403 Forbidden} with {@code WWW-Authenticate: Bearer
 * error="insufficient_scope"} (RFC 6750, section 3.1), never the 401 of missing or invalid
 * credentials.
 *
 * <p>The rule, by how the caller was authenticated:
 *
 * <ul>
 *   <li>a JWT ({@code "jwt"} principal) must hold <em>every</em> required scope, read from the
 *       {@code scope} claim (space-separated, RFC 9068) and the {@code scp} claim (a list or a
 *       space-separated string); and, when roles are required, <em>at least one</em> of them,
 *       read from the {@linkplain Builder#rolesClaim roles claim} (a dotted path such as {@code
 *       realm_access.roles}, a list or a space-separated string). A rule that requires neither
 *       scopes nor roles denies every JWT.
 *   <li>an API key ({@code "api-key"} principal) must be in <em>at least one</em> of the required
 *       groups ({@link ApiKeyAuth.Builder#groups}); a rule without groups denies every API key.
 *   <li>anyone else (an {@link Auth} of your own, or none) is denied.
 * </ul>
 *
 * <p>So one route that takes either credential ({@link Auth#anyOf}) states what each must hold:
 * {@code scopes("orders:write").apiKeyGroups("partners")}.
 *
 * <p>Immutable and thread-safe; {@link #check} does not block and allocates nothing on success.
 *
 * <pre>{@code
 * Route.builder("orders").pathPrefix("/orders")
 *     .auth(Auth.jwt().jwksUrl(URI.create("https://id.example.com/jwks")).issuer(...).audience(...).build())
 *     .authorization(Authorization.builder().scopes("orders:read").build())
 *     ...
 * }</pre>
 */
public final class Authorization {

  /** The claim roles are read from by default. */
  public static final String DEFAULT_ROLES_CLAIM = "roles";

  private static final Pattern SPACES = Pattern.compile(" +");
  private static final Pattern CLAIM_PATH = Pattern.compile("[^.\\s]+(\\.[^.\\s]+)*");

  private final Set<String> scopes;
  private final Set<String> roles;
  private final String rolesClaim;
  private final String[] rolesPath;
  private final Set<String> apiKeyGroups;
  private final AuthResult jwtDenied;
  private final AuthResult apiKeyDenied;
  private final AuthResult otherDenied;

  private Authorization(Builder builder) {
    this.scopes = Set.copyOf(builder.scopes);
    this.roles = Set.copyOf(builder.roles);
    this.rolesClaim = builder.rolesClaim;
    this.rolesPath = rolesClaim.split("\\.");
    this.apiKeyGroups = Set.copyOf(builder.apiKeyGroups);
    String scopeParameter = builder.scopes.isEmpty() ? ""
        : ", scope=\"" + String.join(" ", builder.scopes) + "\"";
    this.jwtDenied = AuthResult.forbidden("Bearer error=\"insufficient_scope\"" + scopeParameter,
        "insufficient scope");
    this.apiKeyDenied = AuthResult.forbidden(ApiKeyAuth.AUTHORIZATION_SCHEME
        + " error=\"insufficient_scope\"", "API key not permitted on this route");
    this.otherDenied = AuthResult.forbidden("Bearer error=\"insufficient_scope\"",
        "caller not permitted on this route");
  }

  /**
   * Returns an empty builder: no scopes, roles or groups, roles read from {@value
   * #DEFAULT_ROLES_CLAIM}.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Decides whether an authenticated caller may use the route.
   *
   * @param principal who the {@link Auth} said the caller is
   * @return {@link AuthResult#success} with the same principal, or a 403 with {@code error=
   *     "insufficient_scope"} in its challenge (the required scopes in {@code scope=} for a JWT)
   */
  public AuthResult check(Principal principal) {
    Objects.requireNonNull(principal, "principal");
    switch (principal.scheme()) {
      case "jwt":
        return jwtAllowed(principal.claims()) ? AuthResult.success(principal) : jwtDenied;
      case "api-key":
        return apiKeyAllowed(principal.claims()) ? AuthResult.success(principal) : apiKeyDenied;
      default:
        return otherDenied;
    }
  }

  private boolean jwtAllowed(Map<String, Object> claims) {
    if (scopes.isEmpty() && roles.isEmpty()) {
      return false;
    }
    if (!scopes.isEmpty()) {
      Set<String> held = new LinkedHashSet<>();
      addWords(claims.get("scope"), held);
      addWords(claims.get("scp"), held);
      if (!held.containsAll(scopes)) {
        return false;
      }
    }
    if (!roles.isEmpty()) {
      Set<String> held = new LinkedHashSet<>();
      addWords(claimAt(claims, rolesPath), held);
      for (String role : roles) {
        if (held.contains(role)) {
          return true;
        }
      }
      return false;
    }
    return true;
  }

  private boolean apiKeyAllowed(Map<String, Object> claims) {
    if (apiKeyGroups.isEmpty()) {
      return false;
    }
    Object groups = claims.get(ApiKeyAuth.GROUPS_CLAIM);
    if (groups instanceof Collection<?> list) {
      for (Object group : list) {
        if (apiKeyGroups.contains(String.valueOf(group))) {
          return true;
        }
      }
    }
    return false;
  }

  private static @Nullable Object claimAt(Map<String, Object> claims, String[] path) {
    Object node = claims;
    for (String step : path) {
      if (!(node instanceof Map<?, ?> map)) {
        return null;
      }
      node = map.get(step);
    }
    return node;
  }

  /** Adds the words of a space-separated string, or the elements of a list of strings. */
  private static void addWords(@Nullable Object value, Set<String> into) {
    if (value instanceof String text) {
      for (String word : SPACES.split(text.trim())) {
        if (!word.isEmpty()) {
          into.add(word);
        }
      }
    } else if (value instanceof Collection<?> list) {
      for (Object element : list) {
        if (element instanceof String text) {
          into.add(text);
        }
      }
    }
  }

  /**
   * Returns the required scopes.
   *
   * @return every scope a JWT must hold, empty if none
   */
  public Set<String> scopes() {
    return scopes;
  }

  /**
   * Returns the roles of which a JWT must hold one.
   *
   * @return the roles, empty if none is required
   */
  public Set<String> roles() {
    return roles;
  }

  /**
   * Returns the claim path roles are read from.
   *
   * @return a dotted path, {@value #DEFAULT_ROLES_CLAIM} by default
   */
  public String rolesClaim() {
    return rolesClaim;
  }

  /**
   * Returns the groups of which an API key must be in one.
   *
   * @return the groups, empty if API keys are never permitted
   */
  public Set<String> apiKeyGroups() {
    return apiKeyGroups;
  }

  @Override
  public String toString() {
    return "Authorization[scopes=" + scopes + ", roles=" + roles + " in " + rolesClaim
        + ", apiKeyGroups=" + apiKeyGroups + "]";
  }

  /**
   * Builds an {@link Authorization}. Not thread-safe. {@link #scopes}, {@link #roles} and {@link
   * #apiKeyGroups} add, so they may be called again; {@link #rolesClaim} may be given once (a
   * second call throws {@link IllegalStateException}).
   */
  public static final class Builder {

    private final BuilderSettings settings = new BuilderSettings();
    private final Set<String> scopes = new LinkedHashSet<>();
    private final Set<String> roles = new LinkedHashSet<>();
    private final Set<String> apiKeyGroups = new LinkedHashSet<>();
    private String rolesClaim = DEFAULT_ROLES_CLAIM;

    private Builder() {}

    /**
     * Requires scopes: a JWT must hold every one of them.
     *
     * @param scopes the scopes, each without spaces or {@code "}
     * @return this builder
     * @throws NullPointerException if {@code scopes} or an element is null
     * @throws IllegalArgumentException if a scope is blank or has a space or {@code "}
     */
    public Builder scopes(String... scopes) {
      addAll(scopes, this.scopes, "scope");
      return this;
    }

    /**
     * Requires roles: a JWT must hold at least one of them in the {@link #rolesClaim}.
     *
     * @param roles the roles
     * @return this builder
     * @throws NullPointerException if {@code roles} or an element is null
     * @throws IllegalArgumentException if a role is blank or has a space or {@code "}
     */
    public Builder roles(String... roles) {
      addAll(roles, this.roles, "role");
      return this;
    }

    /**
     * Sets where a JWT's roles are: a claim name, or a dotted path into nested claims ({@code
     * realm_access.roles} for Keycloak); {@value #DEFAULT_ROLES_CLAIM} by default.
     *
     * @param path the claim path
     * @return this builder
     * @throws NullPointerException if {@code path} is null
     * @throws IllegalArgumentException if {@code path} is blank, has spaces or an empty step
     * @throws IllegalStateException if already set
     */
    public Builder rolesClaim(String path) {
      Objects.requireNonNull(path, "path");
      if (!CLAIM_PATH.matcher(path).matches()) {
        throw new IllegalArgumentException(
            "rolesClaim must be a claim name or a dotted path like realm_access.roles but was '"
                + path + "'");
      }
      settings.requireUnset("rolesClaim", rolesClaim);
      this.rolesClaim = path;
      return this;
    }

    /**
     * Permits API keys in at least one of these groups ({@link ApiKeyAuth.Builder#groups}).
     *
     * @param groups the groups
     * @return this builder
     * @throws NullPointerException if {@code groups} or an element is null
     * @throws IllegalArgumentException if a group is blank or has a space or {@code "}
     */
    public Builder apiKeyGroups(String... groups) {
      addAll(groups, this.apiKeyGroups, "group");
      return this;
    }

    private static void addAll(String[] values, Set<String> into, String name) {
      Objects.requireNonNull(values, name + "s");
      List<String> checked = new ArrayList<>(values.length);
      for (String value : values) {
        Arguments.notBlank(Objects.requireNonNull(value, name), name);
        if (value.indexOf(' ') >= 0 || value.indexOf('"') >= 0 || value.indexOf('\\') >= 0) {
          throw new IllegalArgumentException(
              name + " must have no space, quote or backslash but was '" + value + "'");
        }
        checked.add(value);
      }
      into.addAll(checked);
    }

    /**
     * Builds the rule.
     *
     * @return the authorization, immutable
     * @throws IllegalStateException if no scope, role or group was given (the rule would deny
     *     everyone)
     */
    public Authorization build() {
      if (scopes.isEmpty() && roles.isEmpty() && apiKeyGroups.isEmpty()) {
        throw new IllegalStateException(
            "an authorization needs scopes, roles or apiKeyGroups; none was given");
      }
      return new Authorization(this);
    }
  }
}
