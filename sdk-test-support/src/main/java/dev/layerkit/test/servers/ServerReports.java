package dev.layerkit.test.servers;

import org.junit.jupiter.api.TestReporter;

/** Records in test reports which server a test ran against. */
final class ServerReports {

  private ServerReports() {}

  /**
   * Publishes the server as a JUnit report entry, for IDEs and JUnit's own reports, and prints it,
   * because Surefire and Failsafe keep a test's standard output in their XML reports but drop report
   * entries.
   *
   * @param reporter the test's reporter
   * @param server which server, e.g. {@code mongo}
   * @param description the handle's description
   */
  static void publish(TestReporter reporter, String server, String description) {
    reporter.publishEntry(server, description);
    System.out.println(server + ": " + description);
  }
}
