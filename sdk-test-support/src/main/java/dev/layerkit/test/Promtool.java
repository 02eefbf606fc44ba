package dev.layerkit.test;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Prometheus' {@code promtool} for tests that check generated rules and dashboard queries. It
 * must be on the PATH (Debian package {@code prometheus}; {@code .ci/run} installs it); without
 * it a test fails and says how to install it, never skips.
 */
public final class Promtool {

  private Promtool() {}

  /** What a promtool run printed and how it ended. */
  public record Result(int exitStatus, String output) {}

  /**
   * Finds promtool on the PATH.
   *
   * @return its path
   * @throws AssertionError if it is not there, saying how to install it
   */
  public static Path find() {
    return find(System.getenv("PATH"));
  }

  /**
   * Finds promtool on a search path.
   *
   * @param path a PATH value
   * @return its path
   * @throws AssertionError if it is not there, saying how to install it
   */
  public static Path find(@Nullable String path) {
    if (path != null) {
      for (String entry : path.split(File.pathSeparator)) {
        Path candidate = Path.of(entry, "promtool");
        if (Files.isExecutable(candidate)) {
          return candidate;
        }
      }
    }
    throw new AssertionError("promtool is not on the PATH; it checks the generated alert rules and dashboard "
        + "queries. Install it with `apt-get install -y prometheus` (Debian/Ubuntu; .ci/run does this) or put "
        + "Prometheus' promtool on the PATH.");
  }

  /**
   * Runs promtool with arguments in a directory, waiting up to a minute.
   *
   * @param directory the working directory
   * @param arguments such as {@code check rules rules.yaml}
   * @return exit status and output (stdout and stderr together)
   * @throws IOException if it cannot be started
   * @throws InterruptedException if interrupted while waiting
   */
  public static Result run(Path directory, String... arguments) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(find().toString());
    command.addAll(List.of(arguments));
    Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("promtool did not finish within 60 s");
    }
    return new Result(process.exitValue(), output);
  }

  /**
   * Writes a rules file into a directory and runs {@code promtool check rules} on it.
   *
   * @param directory where to write {@code rules.yaml}
   * @param rulesYaml the file's content
   * @return exit status and output
   * @throws IOException if the file cannot be written or promtool started
   * @throws InterruptedException if interrupted while waiting
   */
  public static Result checkRules(Path directory, String rulesYaml) throws IOException, InterruptedException {
    Path rules = directory.resolve("rules.yaml");
    Files.writeString(rules, rulesYaml, StandardCharsets.UTF_8);
    return run(directory, "check", "rules", rules.toString());
  }
}
