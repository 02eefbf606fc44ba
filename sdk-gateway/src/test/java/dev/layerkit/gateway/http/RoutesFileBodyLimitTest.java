package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RoutesFileBodyLimitTest {

  private static String routes(String maxBodySize) {
    return """
        routes:
          - id: upload
            pathPrefix: /upload
            maxBodySize: %s
            staticFiles: { classpath: web-test }
          - id: rest
            pathPrefix: /
            staticFiles: { classpath: web-test }
        """.formatted(maxBodySize);
  }

  @Test
  void aRouteTakesItsOwnBodyLimitAndTheOthersKeepTheGateways() {
    try (RoutesFile file = RoutesFile.parse(routes("1048576"), true, "routes.yaml")) {
      assertThat(file.routes().get(0).maxBodySize()).hasValue(1_048_576);
      assertThat(file.routes().get(1).maxBodySize()).isEmpty();
    }
  }

  @Test
  void aBodyLimitThatIsNotAByteCountIsReportedWhereItIs() {
    assertThatThrownBy(() -> RoutesFile.parse(routes("-1"), true, "routes.yaml"))
        .hasMessageContaining("routes[0] (upload).maxBodySize: maxBodySize must be >= 0 but was -1");
    assertThatThrownBy(() -> RoutesFile.parse(routes("1mb"), true, "routes.yaml"))
        .hasMessageContaining("routes[0] (upload).maxBodySize: must be a number of bytes but was");
  }
}
