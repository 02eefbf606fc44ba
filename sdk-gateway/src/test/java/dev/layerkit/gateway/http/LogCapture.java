package dev.layerkit.gateway.http;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Captures what slf4j-simple (the tests' logger, which looks up {@code System.err} at each write)
 * prints while it is open, for tests of what the gateway logs. The levels printed are those of
 * {@code src/test/resources/simplelogger.properties}.
 */
final class LogCapture implements AutoCloseable {

  private static final Pattern LEVEL = Pattern.compile("\\] (TRACE|DEBUG|INFO|WARN|ERROR) (\\S+)");

  /** One printed log line. */
  record Line(String level, String logger, String text) {}

  private final PrintStream original = System.err;
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

  LogCapture() {
    System.setErr(new PrintStream(bytes, true, StandardCharsets.UTF_8));
  }

  /** Returns the log lines printed so far (continuation lines such as stack traces are skipped). */
  synchronized List<Line> lines() {
    System.err.flush();
    List<Line> lines = new ArrayList<>();
    for (String text : bytes.toString(StandardCharsets.UTF_8).split("\n")) {
      Matcher matcher = LEVEL.matcher(text);
      if (matcher.find()) {
        lines.add(new Line(matcher.group(1), matcher.group(2), text));
      }
    }
    return lines;
  }

  /** Returns everything printed, log lines or not. */
  String text() {
    System.err.flush();
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    System.setErr(original);
    original.print(text()); // keep it in the test's output too
  }
}
