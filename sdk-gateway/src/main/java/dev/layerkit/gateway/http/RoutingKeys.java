package dev.layerkit.gateway.http;

import dev.layerkit.gateway.lb.RequestContext;
import io.micrometer.core.instrument.Counter;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The {@link RoutingKey}s behind the interface's factories, their routes-file syntax ({@link
 * #parse}), and the {@link RequestContext} a request gets from its route's key ({@link
 * #contextFor}).
 *
 * <p>Each key's {@code toString()} is its routes-file form ({@code header:X-User-Id}, {@code
 * client-ip}), a chain's the forms joined by {@code ", "}.
 */
final class RoutingKeys {

  /** The routes-file forms, for messages. */
  static final String FORMS =
      "header:<name>, cookie:<name>, sticky-cookie:<name>, query:<name>, jwt-subject,"
          + " principal, client-ip";

  private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

  private RoutingKeys() {}

  /**
   * Returns the context to pick with for a request of a route that hashes on {@code key}: the
   * key's value; when the request carries none, a fresh value of the key's sticky cookie, handed
   * to {@code setCookie} as a {@code Set-Cookie} value, if the key has one; else a random key
   * hash of its own, counted by {@code fallbacks}.
   */
  static RequestContext contextFor(RoutingKey key, GatewayRequest request, Principal principal,
      Counter fallbacks, Consumer<String> setCookie) {
    @Nullable String value = key.resolve(request, principal);
    if (value != null && !value.isEmpty()) {
      return RequestContext.ofKey(value);
    }
    StickyCookie sticky = stickyCookieOf(key);
    if (sticky != null) {
      String fresh = sticky.newValue();
      setCookie.accept(sticky.setCookie(fresh));
      return RequestContext.ofKey(fresh);
    }
    fallbacks.increment();
    return RequestContext.ofKeyHash(ThreadLocalRandom.current().nextLong());
  }

  /**
   * Parses a key's routes-file form; {@code client-ip} believes {@code X-Forwarded-For} from
   * {@code trustedProxies}.
   *
   * @throws IllegalArgumentException naming the form, if it is not one of {@link #FORMS} or its
   *     name is invalid
   */
  static RoutingKey parse(String form, TrustedProxies trustedProxies) {
    int colon = form.indexOf(':');
    String kind = colon < 0 ? form : form.substring(0, colon);
    String name = colon < 0 ? "" : form.substring(colon + 1).trim();
    boolean named = kind.equals("header") || kind.equals("cookie")
        || kind.equals("sticky-cookie") || kind.equals("query");
    if (named && name.isEmpty()) {
      throw new IllegalArgumentException(
          "'" + form + "' needs a name after '" + kind + ":', like '" + kind + ":X-User-Id'");
    }
    if (!named && colon >= 0) {
      throw new IllegalArgumentException("'" + form + "' is not one of " + FORMS);
    }
    return switch (kind) {
      case "header" -> header(name);
      case "cookie" -> cookie(name);
      case "sticky-cookie" -> stickyCookie(name);
      case "query" -> query(name);
      case "jwt-subject" -> scheme("jwt");
      case "principal" -> principal();
      case "client-ip" -> clientIp(trustedProxies);
      default -> throw new IllegalArgumentException("'" + form + "' is not one of " + FORMS);
    };
  }

  static RoutingKey chain(RoutingKey first, RoutingKey next) {
    List<RoutingKey> keys = new ArrayList<>();
    addFlat(keys, first);
    addFlat(keys, next);
    return new Chain(keys.toArray(RoutingKey[]::new));
  }

  private static void addFlat(List<RoutingKey> keys, RoutingKey key) {
    if (key instanceof Chain chain) {
      keys.addAll(List.of(chain.keys));
    } else {
      keys.add(key);
    }
  }

  static RoutingKey header(String name) {
    requireToken(name, "header");
    return new Named("header", name) {
      @Override
      public @Nullable String resolve(GatewayRequest request, Principal principal) {
        List<String> lines = request.headers(name);
        if (lines.size() == 1) {
          return nonEmpty(lines.get(0).trim());
        }
        StringBuilder joined = null;
        for (String line : lines) {
          String value = line.trim();
          if (!value.isEmpty()) {
            joined = joined == null ? new StringBuilder(value) : joined.append(", ").append(value);
          }
        }
        return joined == null ? null : joined.toString();
      }
    };
  }

  static RoutingKey cookie(String name) {
    requireToken(name, "cookie");
    return new Named("cookie", name) {
      @Override
      public @Nullable String resolve(GatewayRequest request, Principal principal) {
        return cookieValue(request, name);
      }
    };
  }

  static RoutingKey stickyCookie(String name) {
    requireToken(name, "cookie");
    return new StickyCookie(name);
  }

  private static @Nullable String cookieValue(GatewayRequest request, String name) {
    for (String line : request.headers("Cookie")) {
      // Cheap test first: most requests of a route carry cookies of other names only.
      if (!line.contains(name)) {
        continue;
      }
      for (Cookie cookie : ServerCookieDecoder.LAX.decodeAll(line)) {
        if (cookie.name().equals(name)) {
          return nonEmpty(cookie.value());
        }
      }
    }
    return null;
  }

  /**
   * Returns the sticky cookie a key is or holds in its chain (the first), or null: what a
   * request without any of the key's values gets instead of a random key hash.
   */
  private static @Nullable StickyCookie stickyCookieOf(RoutingKey key) {
    if (key instanceof StickyCookie cookie) {
      return cookie;
    }
    if (key instanceof Chain chain) {
      for (RoutingKey link : chain.keys) {
        if (link instanceof StickyCookie cookie) {
          return cookie;
        }
      }
    }
    return null;
  }

  static RoutingKey query(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isEmpty()) {
      throw new IllegalArgumentException("query parameter name must not be empty but was ''");
    }
    return new Named("query", name) {
      @Override
      public @Nullable String resolve(GatewayRequest request, Principal principal) {
        String uri = request.uri();
        int start = uri.indexOf('?');
        if (start < 0) {
          return null;
        }
        int end = uri.indexOf('#', start);
        end = end < 0 ? uri.length() : end;
        for (int from = start + 1; from < end; ) {
          int amp = uri.indexOf('&', from);
          int to = amp < 0 || amp > end ? end : amp;
          int eq = uri.indexOf('=', from);
          if (eq > from && eq < to && name.equals(decode(uri.substring(from, eq)))) {
            return nonEmpty(decode(uri.substring(eq + 1, to)));
          }
          from = to + 1;
        }
        return null;
      }
    };
  }

  /** Decodes a query component; null if it is not valid percent-encoding. */
  private static @Nullable String decode(String component) {
    if (component.indexOf('%') < 0 && component.indexOf('+') < 0) {
      return component;
    }
    try {
      return QueryStringDecoder.decodeComponent(component, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  static RoutingKey scheme(String scheme) {
    return new Form(scheme + "-subject") {
      @Override
      public @Nullable String resolve(GatewayRequest request, Principal principal) {
        return scheme.equals(principal.scheme()) ? nonEmpty(principal.subject()) : null;
      }
    };
  }

  static RoutingKey principal() {
    String anonymous = Principal.ANONYMOUS.scheme();
    return new Form("principal") {
      @Override
      public @Nullable String resolve(GatewayRequest request, Principal principal) {
        return anonymous.equals(principal.scheme()) ? null : nonEmpty(principal.subject());
      }
    };
  }

  static RoutingKey clientIp(TrustedProxies trustedProxies) {
    Objects.requireNonNull(trustedProxies, "trustedProxies");
    return new Form("client-ip") {
      @Override
      public String resolve(GatewayRequest request, Principal principal) {
        return trustedProxies.clientIp(request);
      }

      @Override
      public String toString() {
        return trustedProxies == TrustedProxies.none() ? "client-ip"
            : "client-ip (" + trustedProxies + ")";
      }
    };
  }

  private static @Nullable String nonEmpty(@Nullable String value) {
    return value == null || value.isEmpty() ? null : value;
  }

  private static void requireToken(String name, String kind) {
    Objects.requireNonNull(name, "name");
    if (!TOKEN.matcher(name).matches()) {
      throw new IllegalArgumentException(
          kind + " name must be an HTTP token but was '" + name + "'");
    }
  }

  /** A key whose {@code toString()} is a fixed routes-file form. */
  private abstract static class Form implements RoutingKey {
    private final String form;

    Form(String form) {
      this.form = form;
    }

    @Override
    public String toString() {
      return form;
    }
  }

  /** A key read from a named part of the request: {@code header:<name>} and the like. */
  private abstract static class Named extends Form {
    Named(String kind, String name) {
      super(kind + ":" + name);
    }
  }

  /** A cookie the gateway sets when a request has no key: see {@link RoutingKey#stickyCookie}. */
  private static final class StickyCookie extends Named {
    private final String name;

    StickyCookie(String name) {
      super("sticky-cookie", name);
      this.name = name;
    }

    @Override
    public @Nullable String resolve(GatewayRequest request, Principal principal) {
      return cookieValue(request, name);
    }

    /** Returns a fresh random value: 128 bits as 32 hex digits. */
    String newValue() {
      ThreadLocalRandom random = ThreadLocalRandom.current();
      return HexFormat.of().toHexDigits(random.nextLong())
          + HexFormat.of().toHexDigits(random.nextLong());
    }

    /** Returns the {@code Set-Cookie} value that gives the client {@code value}. */
    String setCookie(String value) {
      return name + "=" + value + "; Path=/; HttpOnly; SameSite=Lax";
    }
  }

  /** Keys tried in order; the first present one wins. */
  private static final class Chain implements RoutingKey {
    private final RoutingKey[] keys;

    Chain(RoutingKey[] keys) {
      this.keys = keys;
    }

    @Override
    public @Nullable String resolve(GatewayRequest request, Principal principal) {
      for (RoutingKey key : keys) {
        @Nullable String value = key.resolve(request, principal);
        if (value != null && !value.isEmpty()) {
          return value;
        }
      }
      return null;
    }

    @Override
    public String toString() {
      StringBuilder text = new StringBuilder();
      for (RoutingKey key : keys) {
        text.append(text.length() == 0 ? "" : ", ").append(key);
      }
      return text.toString();
    }
  }
}
