package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;

/** The HTTPS URL the redirect port answers with. */
class HttpsRedirectHandlerTest {

  private static HttpRequest request(String target, String host) {
    HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, target);
    if (host != null) {
      request.headers().set("Host", host);
    }
    return request;
  }

  @Test
  void keepsHostPathAndQueryAndPutsTheHttpsPortUnless443() {
    assertThat(HttpsRedirectHandler.location(request("/a/b?x=1&y=%2F", "Shop.Example:8080"), 8443))
        .isEqualTo("https://shop.example:8443/a/b?x=1&y=%2F");
    assertThat(HttpsRedirectHandler.location(request("/", "shop.example"), 443))
        .isEqualTo("https://shop.example/");
    assertThat(HttpsRedirectHandler.location(request("/v6", "[::1]:80"), 443))
        .isEqualTo("https://[::1]/v6");
    assertThat(HttpsRedirectHandler.location(request("*", "h"), 443)).isEqualTo("https://h/");
  }

  @Test
  void anAbsoluteTargetsAuthorityWinsOverTheHostHeader() {
    assertThat(HttpsRedirectHandler.location(
        request("http://api.example:80/orders?id=7", "other.example"), 443))
        .isEqualTo("https://api.example/orders?id=7");
    assertThat(HttpsRedirectHandler.location(request("http://api.example", null), 443))
        .isEqualTo("https://api.example/");
    assertThat(HttpsRedirectHandler.location(request("http://user@api.example/", null), 443))
        .isNull();
  }

  @Test
  void noRedirectWithoutAValidHost() {
    assertThat(HttpsRedirectHandler.location(request("/a", null), 443)).isNull();
    assertThat(HttpsRedirectHandler.location(request("/a", ""), 443)).isNull();
    assertThat(HttpsRedirectHandler.location(request("/a", "evil.example/x"), 443)).isNull();
    assertThat(HttpsRedirectHandler.location(request("/a", "a b"), 443)).isNull();
    assertThat(HttpsRedirectHandler.location(request("/a", "[zz::1]"), 443)).isNull();
  }
}
