import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The mutation score of one block from the PIT reports of the modules whose tests cover it: a
 * mutant counts as detected if any module's tests detected it, as one suite holding all those
 * tests would. PIT runs a module's own tests only, so a block tested from two modules (the rate
 * limiters by sdk-gateway's unit tests and sdk-test's contract suites; the caches by sdk-cache's
 * tests and sdk-test's) has one report per module and neither alone is its score.
 *
 * <pre>
 * java .ci/PitScore.java sdk-gateway/target/pit-reports/mutations.xml sdk-test/target/pit-reports/mutations.xml
 * java .ci/PitScore.java -v ...   # also lists every mutant no report detected
 * </pre>
 *
 * <p>A mutant is identified by its class, method, method descriptor, mutator, instruction indexes
 * and line, which are the same in every module's report when the classes are the same build. The
 * reports must come from one build of the mutated classes and the same mutators; a report that
 * names a mutant another lacks is counted as it is (its mutants are the union). Detected means
 * PIT's statuses KILLED, TIMED_OUT, MEMORY_ERROR and RUN_ERROR, as PIT's own score counts them.
 * Exit status 2 on bad arguments or an unreadable report.
 */
public final class PitScore {

  private static final Set<String> DETECTED = Set.of("KILLED", "TIMED_OUT", "MEMORY_ERROR", "RUN_ERROR");

  private record Outcome(String status, String description, String className, String method, int line) {
    boolean detected() {
      return DETECTED.contains(status);
    }
  }

  public static void main(String[] args) throws Exception {
    boolean verbose = false;
    List<Path> reports = new ArrayList<>();
    for (String arg : args) {
      if (arg.equals("-v")) {
        verbose = true;
      } else {
        reports.add(Path.of(arg));
      }
    }
    if (reports.isEmpty()) {
      System.err.println("usage: java .ci/PitScore.java [-v] mutations.xml [mutations.xml ...]");
      System.exit(2);
    }
    Map<String, Outcome> merged = new LinkedHashMap<>();
    for (Path report : reports) {
      if (!report.toFile().isFile()) {
        System.err.println("no PIT report at " + report);
        System.exit(2);
      }
      NodeList mutations = DocumentBuilderFactory.newInstance().newDocumentBuilder()
          .parse(report.toFile()).getElementsByTagName("mutation");
      for (int i = 0; i < mutations.getLength(); i++) {
        Element m = (Element) mutations.item(i);
        String className = text(m, "mutatedClass");
        String method = text(m, "mutatedMethod");
        int line = Integer.parseInt(text(m, "lineNumber"));
        String key = String.join("|", className, method, text(m, "methodDescription"),
            text(m, "mutator"), text(m, "indexes"), Integer.toString(line));
        Outcome outcome = new Outcome(m.getAttribute("status"), text(m, "description"), className, method, line);
        merged.merge(key, outcome, (a, b) -> a.detected() ? a : b.detected() ? b
            : a.status().equals("NO_COVERAGE") ? b : a);
      }
    }
    int total = merged.size();
    long detected = merged.values().stream().filter(Outcome::detected).count();
    long noCoverage = merged.values().stream().filter(o -> o.status().equals("NO_COVERAGE")).count();
    System.out.printf("%d reports: %d mutants, %d detected, %d survived, %d no coverage%n", reports.size(),
        total, detected, total - detected - noCoverage, noCoverage);
    System.out.printf("mutation score %.1f%% (detected / all), test strength %.1f%% (detected / covered)%n",
        percent(detected, total), percent(detected, total - noCoverage));
    Map<String, Long> byStatus = new TreeMap<>();
    merged.values().forEach(o -> byStatus.merge(o.status(), 1L, Long::sum));
    // Timeouts count as detected (as PIT counts them), but on a loaded machine an unmutated test
    // can time out too: shown apart so a reader can weigh them.
    System.out.println("by status: " + byStatus);
    Map<String, int[]> byClass = new TreeMap<>();
    for (Outcome o : merged.values()) {
      int[] counts = byClass.computeIfAbsent(o.className(), c -> new int[2]);
      counts[0]++;
      if (!o.detected()) {
        counts[1]++;
      }
    }
    byClass.forEach((c, counts) -> {
      if (counts[1] > 0) {
        System.out.printf("  %s: %d of %d undetected%n", c, counts[1], counts[0]);
      }
    });
    if (verbose) {
      merged.values().stream().filter(o -> !o.detected())
          .sorted((a, b) -> a.className().equals(b.className())
              ? Integer.compare(a.line(), b.line()) : a.className().compareTo(b.className()))
          .forEach(o -> System.out.printf("%s:%d %s %s %s%n", o.className(), o.line(), o.method(),
              o.status(), o.description()));
    }
  }

  private static String text(Element parent, String tag) {
    NodeList nodes = parent.getElementsByTagName(tag);
    return nodes.getLength() == 0 ? "" : nodes.item(0).getTextContent().strip();
  }

  /** Unrounded, so that 79.96% never reads as 80%. */
  private static double percent(long part, long whole) {
    return whole == 0 ? 0 : Math.floor(1000.0 * part / whole) / 10;
  }
}
