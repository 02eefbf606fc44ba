package dev.layerkit.gateway.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class IpAddressesTest {

  @ParameterizedTest
  @CsvSource({
      "192.0.2.1, 192.0.2.1",
      "0.0.0.0, 0.0.0.0",
      "255.255.255.255, 255.255.255.255",
      "::1, ::1",
      "::, ::",
      "2001:db8::1, 2001:db8::1",
      "2001:DB8:0:0:0:0:0:1, 2001:db8::1",
      "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
      "1:0:0:2:0:0:0:3, 1:0:0:2::3",
      "fe80::, fe80::",
      "1:2:3:4:5:6:7:8, 1:2:3:4:5:6:7:8",
      "1::2:3:4:5:6:7, 1:0:2:3:4:5:6:7",
      "::ffff:192.0.2.1, ::ffff:c000:201",
      "64:ff9b::192.0.2.33, 64:ff9b::c000:221",
  })
  void parsesAndFormatsLiteralsLikeTheJdk(String text, String formatted)
      throws UnknownHostException {
    byte[] parsed = IpAddresses.parse(text);

    assertThat(parsed).isNotNull();
    assertThat(IpAddresses.format(parsed)).isEqualTo(formatted);
    byte[] jdk = InetAddress.getByName(text).getAddress();
    assertThat(IpAddresses.unmap(parsed)).isEqualTo(jdk);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.-4",
      "1..2.3", "a.b.c.d", "localhost", "example.com", ":::", "1:::2", "1::2::3", "12345::",
      "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7::8", "g::1", "::1%eth0",
      "1.2.3.4::", "::1.2.3", "\u0661.2.3.4", "\uff11::", "unknown", " 1.2.3.4"})
  void rejectsAnythingThatIsNotALiteral(String text) {
    assertThat(IpAddresses.parse(text)).as("'%s'", text).isNull();
  }

  @ParameterizedTest
  @CsvSource({"::ffff:10.0.0.1, 10.0.0.1", "::10.0.0.1, ::a00:1", "10.0.0.1, 10.0.0.1"})
  void unmapsOnlyIpv4MappedAddresses(String text, String unmapped) {
    assertThat(IpAddresses.format(IpAddresses.unmap(IpAddresses.parse(text))))
        .isEqualTo(unmapped);
  }
}
