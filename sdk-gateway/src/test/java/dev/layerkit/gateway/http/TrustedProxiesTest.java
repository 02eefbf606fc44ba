package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TrustedProxiesTest {

  private static final TrustedProxies PROXIES =
      TrustedProxies.of("10.0.0.0/8", "192.168.1.7", "2001:db8:1::/48");

  private static GatewayRequest from(String peer, String... headers) {
    return GatewayRequest.of("GET", "/", new InetSocketAddress(peer, 443), headers);
  }

  @ParameterizedTest
  @CsvSource({
      "10.0.0.0, true", "10.255.255.255, true", "11.0.0.0, false", "9.255.255.255, false",
      "192.168.1.7, true", "192.168.1.8, false",
      "2001:db8:1::1, true", "2001:db8:1:ffff::1, true", "2001:db8:2::1, false",
      "::ffff:10.1.2.3, true", "::a01:203, false"})
  void matchesIpv4AndIpv6Ranges(String address, boolean trusted) throws UnknownHostException {
    assertThat(PROXIES.isTrusted(InetAddress.getByName(address))).isEqualTo(trusted);
  }

  @Test
  void anUntrustedPeerIsTheClientWhateverItForwards() {
    assertThat(PROXIES.clientIp(from("203.0.113.9", "X-Forwarded-For", "198.51.100.1")))
        .isEqualTo("203.0.113.9");
    assertThat(TrustedProxies.none().clientIp(from("10.0.0.1", "X-Forwarded-For", "1.1.1.1")))
        .isEqualTo("10.0.0.1");
  }

  @Test
  void aTrustedPeerIsSkippedForTheRightMostUntrustedEntry() {
    assertThat(PROXIES.clientIp(from("10.0.0.2", "X-Forwarded-For", "198.51.100.1")))
        .isEqualTo("198.51.100.1");
    assertThat(PROXIES.clientIp(
        from("10.0.0.2", "X-Forwarded-For", "198.51.100.1, 10.9.9.9, 192.168.1.7")))
        .isEqualTo("198.51.100.1");
  }

  @Test
  void aSpoofedLeftMostEntryNeverWins() {
    // The client 198.51.100.23 sent "X-Forwarded-For: 1.2.3.4" (or a trusted-looking 10.0.0.5);
    // the trusted proxy appended the address it saw.
    assertThat(PROXIES.clientIp(
        from("10.0.0.2", "X-Forwarded-For", "1.2.3.4, 198.51.100.23")))
        .isEqualTo("198.51.100.23");
    assertThat(PROXIES.clientIp(
        from("10.0.0.2", "X-Forwarded-For", "10.0.0.5, 198.51.100.23")))
        .isEqualTo("198.51.100.23");
    assertThat(PROXIES.clientIp(
        from("10.0.0.2", "X-Forwarded-For", "1.2.3.4", "X-Forwarded-For", "198.51.100.23")))
        .isEqualTo("198.51.100.23");
  }

  @Test
  void readsSeveralHeaderLinesAsOneListInOrder() {
    assertThat(PROXIES.clientIp(from("10.0.0.2",
        "X-Forwarded-For", "198.51.100.1, 203.0.113.5", "X-Forwarded-For", "10.1.1.1")))
        .isEqualTo("203.0.113.5");
  }

  @Test
  void takesTheLeftMostWhenEveryEntryIsTrusted() {
    assertThat(PROXIES.clientIp(from("10.0.0.2", "X-Forwarded-For", "10.0.0.9, 10.0.0.8")))
        .isEqualTo("10.0.0.9");
    assertThat(PROXIES.clientIp(from("10.0.0.2"))).isEqualTo("10.0.0.2");
  }

  @Test
  void stopsAtAnEntryThatIsNotAnAddressAndTakesTheLastTrustedOne() {
    assertThat(PROXIES.clientIp(
        from("10.0.0.2", "X-Forwarded-For", "198.51.100.1, unknown, 10.0.0.3")))
        .isEqualTo("10.0.0.3");
    assertThat(PROXIES.clientIp(from("10.0.0.2", "X-Forwarded-For", "evil.example.com")))
        .isEqualTo("10.0.0.2");
    assertThat(PROXIES.clientIp(from("10.0.0.2", "X-Forwarded-For", "")))
        .isEqualTo("10.0.0.2");
  }

  @Test
  void dropsPortsAndBracketsOfEntries() {
    assertThat(PROXIES.clientIp(from("10.0.0.2", "X-Forwarded-For", "198.51.100.1:5000")))
        .isEqualTo("198.51.100.1");
    assertThat(PROXIES.clientIp(from("10.0.0.2", "X-Forwarded-For", "[2001:DB8:9::1]:443")))
        .isEqualTo("2001:db8:9::1");
    assertThat(PROXIES.clientIp(from("10.0.0.2", "X-Forwarded-For", "2001:db8:9::2")))
        .isEqualTo("2001:db8:9::2");
  }

  @Test
  void walksIpv6ProxiesToo() {
    assertThat(PROXIES.clientIp(
        from("2001:db8:1::10", "X-Forwarded-For", "2001:db8:9::1, 2001:db8:1::20")))
        .isEqualTo("2001:db8:9::1");
    assertThat(PROXIES.clientIp(from("2001:db8:2::10", "X-Forwarded-For", "1.2.3.4")))
        .isEqualTo("2001:db8:2::10");
  }

  @Test
  void anUnresolvedPeerIsReportedAsItsHostString() {
    GatewayRequest request = GatewayRequest.of("GET", "/",
        InetSocketAddress.createUnresolved("client.example", 1), "X-Forwarded-For", "1.2.3.4");

    assertThat(PROXIES.clientIp(request)).isEqualTo("client.example");
  }

  @ParameterizedTest
  @ValueSource(strings = {"10.0.0.0/33", "2001:db8::/129", "10.0.0.0/-1", "10.0.0.0/", "10.0.0/8",
      "localhost", "example.com/24", "10.0.0.0/8/8", "10.0.0.0/ 8", "10.0.0.1/8", "::1/0"})
  void rejectsABadCidrNamingIt(String cidr) {
    assertThatThrownBy(() -> TrustedProxies.of("127.0.0.1", cidr))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + cidr + "'");
  }

  @Test
  void suggestsTheNetworkForACidrWithHostBits() {
    assertThatThrownBy(() -> TrustedProxies.of("192.168.1.77/24"))
        .hasMessageContaining("did you mean 192.168.1.0/24?");
  }

  @Test
  void acceptsZeroLengthPrefixesAndSingleAddresses() {
    TrustedProxies everything = TrustedProxies.of("0.0.0.0/0", "::/0");

    assertThat(everything.clientIp(from("203.0.113.1", "X-Forwarded-For", "198.51.100.1")))
        .isEqualTo("198.51.100.1");
    assertThat(TrustedProxies.of("::1").clientIp(from("::1", "X-Forwarded-For", "1.2.3.4")))
        .isEqualTo("1.2.3.4");
    assertThat(TrustedProxies.of().toString()).isEqualTo("TrustedProxies[]");
    assertThat(PROXIES.toString())
        .isEqualTo("TrustedProxies[10.0.0.0/8, 192.168.1.7, 2001:db8:1::/48]");
  }
}
