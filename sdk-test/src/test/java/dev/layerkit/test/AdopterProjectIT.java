package dev.layerkit.test;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.test.cache.CacheContract;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Builds {@code src/it/adopter-check}, a Maven project such as a team adopting Layerkit writes: it
 * imports {@code layerkit-bom}, depends on {@code layerkit-cache} and {@code layerkit-test} without
 * versions, declares no other Layerkit artifact, implements its own {@code Cache} and runs {@link
 * CacheContract} against it.
 *
 * <p>The nested build sees the artifacts this reactor build just made, not whatever SNAPSHOTs
 * {@code ~/.m2} holds: the test copies their POMs and jars from the modules' {@code target}
 * folders into a local repository of its own, in the layout Maven reads, and runs {@code mvnw -o
 * verify} with that repository first and {@code ~/.m2} as a read-only tail
 * ({@code maven.repo.local.tail}, Maven 3.9) for the third-party libraries. So it installs nothing
 * into {@code ~/.m2} and needs no {@code mvn install} before it; it needs the modules packaged in
 * this run, which {@code verify} over the reactor (or {@code -pl sdk-test -am}) does.
 */
class AdopterProjectIT {

  /** The Layerkit artifacts the adopter project resolves, with the folder each is built in. */
  private static final List<String[]> STAGED = List.of(
      new String[] {"layerkit-parent", "", "pom"},
      new String[] {"layerkit-bom", "bom", "pom"},
      new String[] {"layerkit-core", "sdk-core", "jar"},
      new String[] {"layerkit-cache", "sdk-cache", "jar"},
      new String[] {"layerkit-test-support", "sdk-test-support", "jar"},
      new String[] {"layerkit-test", "sdk-test", "jar"});

  /** The properties of the outer build that the adopter project's POM takes as given. */
  private static final List<String> PASSED_PROPERTIES = List.of("junit.version",
      "maven-resources-plugin.version", "maven-compiler-plugin.version",
      "maven-surefire-plugin.version", "maven-jar-plugin.version");

  private static final long BUILD_TIMEOUT_MINUTES = 10;

  @Test
  void aProjectWithTheBomLayerkitTestAndOneModuleRunsTheWholeCacheContractOnItsOwnBackend(
      @TempDir Path temp) throws Exception {
    Path root = Path.of(required("layerkit.root")).toAbsolutePath().normalize();
    String version = required("layerkit.version");
    Path repository = temp.resolve("repository");
    for (String[] artifact : STAGED) {
      stage(root, repository, artifact[0], artifact[1], artifact[2], version);
    }
    Path project = temp.resolve("adopter-check");
    copyTree(root.resolve("sdk-test/src/it/adopter-check"), project);
    Path log = temp.resolve("build.log");

    List<String> command = new ArrayList<>(List.of(root.resolve("mvnw").toString(), "-B", "-o",
        "-f", project.resolve("pom.xml").toString(), "verify",
        "-Dmaven.repo.local=" + repository,
        "-Dmaven.repo.local.tail=" + required("layerkit.localRepository"),
        "-Dmaven.repo.local.tail.ignoreAvailability=true",
        "-Dlayerkit.version=" + version));
    for (String property : PASSED_PROPERTIES) {
      command.add("-D" + property + "=" + required("layerkit." + property));
    }
    ProcessBuilder builder = new ProcessBuilder(command).directory(project.toFile())
        .redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
    builder.environment().remove("MAVEN_OPTS");
    Process build = builder.start();
    boolean finished = build.waitFor(BUILD_TIMEOUT_MINUTES, TimeUnit.MINUTES);
    if (!finished) {
      build.destroyForcibly();
    }
    String output = Files.readString(log, StandardCharsets.UTF_8);

    assertThat(finished).as("the nested build finished in %d minutes; its output:%n%s",
        BUILD_TIMEOUT_MINUTES, output).isTrue();
    assertThat(build.exitValue()).as("exit code of the nested build; its output:%n%s", output)
        .isZero();
    Path report = project.resolve(
        "target/surefire-reports/TEST-com.example.cache.MapCacheContractTest.xml");
    assertThat(report).as("the contract ran in the nested build; its output:%n%s", output)
        .exists();
    String xml = Files.readString(report, StandardCharsets.UTF_8);
    assertThat(attribute(xml, "tests")).as("every test of CacheContract ran")
        .isEqualTo(Long.toString(contractTests()));
    assertThat(attribute(xml, "failures")).isEqualTo("0");
    assertThat(attribute(xml, "errors")).isEqualTo("0");
    assertThat(attribute(xml, "skipped")).isEqualTo("0");
  }

  private static long contractTests() {
    return Arrays.stream(CacheContract.class.getDeclaredMethods())
        .filter(method -> method.isAnnotationPresent(Test.class))
        .count();
  }

  /** Copies one artifact of this build into {@code repository} where Maven looks for it. */
  private static void stage(Path root, Path repository, String artifactId, String folder,
      String packaging, String version) throws IOException {
    Path module = root.resolve(folder);
    Path target = repository.resolve("dev/layerkit").resolve(artifactId).resolve(version);
    Files.createDirectories(target);
    String base = artifactId + '-' + version;
    Files.copy(module.resolve("pom.xml"), target.resolve(base + ".pom"),
        StandardCopyOption.REPLACE_EXISTING);
    if (packaging.equals("jar")) {
      Path jar = module.resolve("target").resolve(base + ".jar");
      assertThat(jar).as("%s is built in this run (run verify over the reactor, or -pl sdk-test "
          + "-am, so that the nested build gets the current code)", jar).exists();
      Files.copy(jar, target.resolve(base + ".jar"), StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> paths = Files.walk(from)) {
      for (Path source : (Iterable<Path>) paths::iterator) {
        Path copy = to.resolve(from.relativize(source).toString());
        if (Files.isDirectory(source)) {
          Files.createDirectories(copy);
        } else {
          Files.copy(source, copy, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }

  private static String attribute(String xml, String name) {
    Matcher matcher = Pattern.compile("<testsuite [^>]*\\b" + name + "=\"([^\"]*)\"").matcher(xml);
    assertThat(matcher.find()).as("attribute %s in %s", name, xml).isTrue();
    return matcher.group(1);
  }

  private static String required(String property) {
    return Objects.requireNonNull(System.getProperty(property),
        () -> "system property " + property + " (set by sdk-test's Failsafe configuration)");
  }
}
