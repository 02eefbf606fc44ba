package dev.layerkit.gateway.blocking;

import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs every test of this module with BlockHound installed and fails a test during which (or
 * after which, while its {@code @AfterEach} methods closed things) a blocking call was made on an
 * event loop; calls made around a class's {@code @BeforeAll}/{@code @AfterAll} fail the class.
 *
 * <p>Registered for every test class by JUnit's extension auto-detection ({@code
 * junit-platform.properties} and {@code META-INF/services} in this module's test resources), and
 * active when the system property {@value #ENABLED} is {@code true}, which Failsafe sets for the
 * integration tests (together with the JVM flag BlockHound needs on Java 13+). Unit tests run
 * without it: they start no event loops.
 */
public final class BlockHoundExtension implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {

  /** The system property that turns the extension on. */
  public static final String ENABLED = "layerkit.blockhound";

  private static boolean enabled() {
    return Boolean.getBoolean(ENABLED);
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    if (enabled()) {
      BlockingCalls.install();
      check("before " + context.getDisplayName());
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (enabled()) {
      check(context.getRequiredTestClass().getSimpleName() + "." + context.getDisplayName());
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (enabled()) {
      check("around " + context.getDisplayName());
    }
  }

  private static void check(String where) {
    List<BlockingCalls.Report> reports = BlockingCalls.drain();
    if (!reports.isEmpty()) {
      throw new AssertionError(reports.size() + " blocking call(s) on an event loop in " + where
          + ":\n" + reports.stream().map(BlockingCalls.Report::toString)
              .collect(Collectors.joining("\n")));
    }
  }
}
