package dev.layerkit.examples.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.layerkit.examples.orders.Order;
import dev.layerkit.examples.orders.OrderClient;
import dev.layerkit.examples.orders.OrderStatus;
import dev.layerkit.examples.orders.OrderSystemOptions;
import dev.layerkit.test.servers.PostgresSchema;
import dev.layerkit.test.servers.TestKafka;
import dev.layerkit.test.servers.TestRedis;
import dev.layerkit.test.servers.TestServers;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped deployment starts as shipped: the build's image runs every container spec of the
 * generated manifests, in production mode on real Redis, PostgreSQL and Kafka, each reaches ready,
 * and an order placed through the gateway crosses the order service to the inventory and payment
 * services.
 *
 * <h2>What runs</h2>
 *
 * The image is built by the build itself, with no registry: {@code examples/deploy/jre-base-image.sh}
 * makes a Java 17 base from this JDK's modules (jlink) and the libraries they link, and {@code
 * podman build} runs the shipped {@code Dockerfile} on it ({@code --build-arg BASE_IMAGE=...}, in
 * place of {@code eclipse-temurin:17-jre}) under the manifests' image name. Each Deployment's
 * container is read from the committed YAML: image, {@code command}/{@code args} (none: the
 * image's entry point), {@code env} and the ConfigMap of its {@code envFrom}, ports and probes;
 * it runs as a podman container ({@code --runtime runc}, see DESIGN's "Containers") in a podman
 * pod of its own, whose infra container holds the pod's network namespace and address on a
 * network of the test's own, so every container listens on its manifest's ports (8080, 9090) as
 * in the cluster, and restarts on failure as a Deployment's container would (a process that finds
 * a server slow to answer on a loaded machine exits, as it does in the cluster). One pod runs per Deployment but
 * two for the order service, so the gateway's discovery through the headless Service has two pods
 * to balance over.
 *
 * <h2>What the test substitutes, and only that</h2>
 *
 * <ul>
 *   <li><b>Cluster DNS</b>, as {@code /etc/hosts} entries of every container ({@code --add-host}):
 *       a headless Service's name resolves to all its Deployment's pod addresses, as cluster DNS
 *       answers it; a ClusterIP Service's name to its first pod (standing in for the virtual
 *       IP); {@code redis}, {@code postgres} and {@code kafka} to the network's gateway address,
 *       where a {@code socat} relay of the test forwards to the test's server.
 *   <li><b>Kafka's brokers</b> advertise {@code localhost:PORT} (the in-JVM KRaft cluster): a
 *       {@code socat} in each pod's network namespace ({@code nsenter}) forwards those ports to
 *       the relays on the gateway address. {@code kafka:9092} from the manifests reaches the first
 *       broker through its relay.
 *   <li><b>{@code LAYERKIT_ORDERS_POSTGRES}</b>: the test server's database, user and a schema of
 *       the test's own instead of the cluster's {@code layerkit} database (host and port stay
 *       {@code postgres:5432}).
 *   <li><b>{@code LAYERKIT_ORDERS_NAMESPACE}</b> (added): a fresh name, so the tables, Redis keys
 *       and topic of this run touch nothing shared.
 *   <li><b>The Downward API</b>: a variable whose value is a {@code fieldRef} to {@code
 *       metadata.name} ({@code LAYERKIT_POD_NAME}) gets the podman pod's name, as the kubelet
 *       fills in the pod's.
 * </ul>
 *
 * <p>Beyond readiness and the orders, it checks that each order-service pod's dashboard counts
 * every order (each pod consumes in a consumer group of its own, named by the pod), and that the
 * order-totals subscriber's projection, read through its API, holds the orders placed.
 *
 * <p>Needs {@code podman}, {@code runc}, {@code catatonit} (podman's local pause image),
 * {@code socat} and {@code nsenter} ({@code .ci/run} installs them) and root (networks and {@code nsenter}); without them the test fails saying so.
 */
class DeploymentLaunchIT {

  private static final Path EXAMPLES = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
  private static final Path DEPLOY = EXAMPLES.resolve("deploy");
  private static final String VERSION = System.getProperty("layerkit.version", "0.1.0-SNAPSHOT");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration READY_WITHIN = Duration.ofMinutes(4);
  /** Pods per Deployment: one, but two order-service pods behind its headless Service. */
  private static final Map<String, Integer> PODS = Map.of(DeployFiles.ORDER_SERVICE_FILE, 2);

  @TempDir
  Path dir;

  /** The pods started, by name. */
  private final List<String> containers = new ArrayList<>();
  private final List<Process> relays = new ArrayList<>();
  private String network = "";
  private String prefix = "";

  /**
   * A container spec as the manifests give it; {@code fieldEnv} holds the variables the Downward
   * API fills ({@code valueFrom.fieldRef}), by name, with their field paths.
   */
  private record Spec(String deployment, String image, List<String> command, List<String> args,
      Map<String, String> env, Map<String, String> fieldEnv, Map<String, Integer> ports, String readinessPath,
      int readinessPort) {}

  /** A running pod: its container and address. */
  private record Pod(Spec spec, String container, String ip) {}

  @Test
  void everyGeneratedContainerStartsFromTheBuiltImageGetsReadyAndServesAnOrderThroughTheGateway() throws Exception {
    Path conf = containersConf();
    String baseImage = "localhost/layerkit-jre-base:" + System.getProperty("java.version");
    if (run(conf, Duration.ofSeconds(30), "podman", "image", "exists", baseImage).exitStatus() != 0) {
      check(run(conf, Duration.ofMinutes(5), "bash", DEPLOY.resolve("jre-base-image.sh").toString(), baseImage,
          System.getProperty("java.home")));
    }
    Path jar = EXAMPLES.resolve("target").resolve("layerkit-examples-" + VERSION + ".jar");
    assertThat(jar).as("the examples jar (run the IT through Maven's verify, after package)").isRegularFile();
    assertThat(EXAMPLES.resolve("target/dependency")).as("package copies the image's dependencies").isDirectory();
    check(run(conf, Duration.ofMinutes(5), "podman", "build", "--runtime", "runc", "--build-arg",
        "BASE_IMAGE=" + baseImage, "--build-arg", "VERSION=" + VERSION, "-f", DEPLOY.resolve("Dockerfile").toString(),
        "-t", DeployFiles.IMAGE, EXAMPLES.toString()));

    List<Spec> specs = new ArrayList<>();
    for (String file : List.of(DeployFiles.INVENTORY_SERVICE_FILE, DeployFiles.PAYMENT_SERVICE_FILE,
        DeployFiles.ORDER_SERVICE_FILE, DeployFiles.GATEWAY_FILE, DeployFiles.SUBSCRIBER_FILE)) {
      Spec spec = spec(file);
      for (int i = 0; i < PODS.getOrDefault(file, 1); i++) {
        specs.add(spec);
      }
    }
    assertThat(specs).extracting(Spec::image).containsOnly(DeployFiles.IMAGE);

    // The network, the pods' addresses and what cluster DNS would answer.
    prefix = "lk-launch-" + Long.toString(ThreadLocalRandom.current().nextLong(1L << 40), 36);
    String subnet = createNetwork(conf);
    String gateway = subnet + ".1";
    // The network's bridge, and so the gateway address the relays listen on, appears when the
    // first container joins it, and stays until the network is removed.
    check(run(conf, Duration.ofMinutes(2), "podman", "run", "--rm", "--runtime", "runc", "--network", network,
        "--entrypoint", "[\"java\", \"-version\"]", DeployFiles.IMAGE));
    List<String> ips = new ArrayList<>();
    Map<String, List<String>> hosts = new LinkedHashMap<>();
    for (int i = 0; i < specs.size(); i++) {
      String ip = subnet + "." + (10 + i);
      ips.add(ip);
      String deployment = specs.get(i).deployment();
      hosts.computeIfAbsent(deployment + "-headless", name -> new ArrayList<>()).add(ip);
      hosts.computeIfAbsent(deployment, name -> new ArrayList<>(List.of(ip))); // the ClusterIP's stand-in
    }
    for (String server : List.of("redis", "postgres", "kafka")) {
      hosts.put(server, List.of(gateway));
    }

    // The servers, relayed to the gateway address under the manifests' names and ports.
    TestRedis redis = TestServers.redis();
    PostgresSchema schema = TestServers.postgres().createSchema("deployment_launch");
    TestKafka kafka = TestServers.kafka();
    relay(gateway, 6379, redis.host(), redis.port());
    Matcher postgres = Pattern.compile("jdbc:postgresql://([^/:]+):(\\d+)/([^?]+)\\?(.*)").matcher(schema.jdbcUrl());
    assertThat(postgres.matches()).as("test server URL %s", schema.jdbcUrl()).isTrue();
    relay(gateway, 5432, postgres.group(1), Integer.parseInt(postgres.group(2)));
    List<Integer> brokerPorts = new ArrayList<>();
    for (String broker : kafka.bootstrapServers().split(",")) {
      String host = broker.substring(0, broker.lastIndexOf(':'));
      int port = Integer.parseInt(broker.substring(broker.lastIndexOf(':') + 1));
      brokerPorts.add(port);
      relay(gateway, port, host.equals("localhost") ? "127.0.0.1" : host, port);
    }
    relay(gateway, 9092, "127.0.0.1", brokerPorts.get(0));
    String namespace = "dl" + prefix.substring("lk-launch-".length()).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
    String postgresUrl = "jdbc:postgresql://postgres:5432/" + postgres.group(3) + "?" + postgres.group(4)
        + "&user=" + schema.user() + (schema.password() == null ? "" : "&password=" + schema.password());

    // Every pod, as its manifest says, with the substitutions above; Deployment by Deployment,
    // callees first, each ready before the next starts (fewer JVMs starting at once on a small
    // machine; a pod's readiness is its own either way).
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    List<Pod> pods = new ArrayList<>();
    for (int i = 0; i < specs.size(); i++) {
      Spec spec = specs.get(i);
      Map<String, String> env = new LinkedHashMap<>(spec.env());
      assertThat(env).as("%s: the manifests' server URLs", spec.deployment())
          .containsEntry("LAYERKIT_ORDERS_POSTGRES", DeployFiles.POSTGRES_URL);
      env.put("LAYERKIT_ORDERS_POSTGRES", postgresUrl);
      env.put("LAYERKIT_ORDERS_NAMESPACE", namespace);
      String name = prefix + "-" + spec.deployment() + "-" + i;
      for (Map.Entry<String, String> field : spec.fieldEnv().entrySet()) { // what the kubelet fills in
        assertThat(field.getValue()).as("%s: %s's Downward API field", spec.deployment(), field.getKey())
            .isEqualTo("metadata.name");
        env.put(field.getKey(), name);
      }
      // A pod: an infra container holds its network namespace (address, /etc/hosts) across
      // restarts of the application container, which restarts on failure as a Deployment's would.
      List<String> pod = new ArrayList<>(List.of("podman", "--runtime", "runc", "pod", "create", "--name", name,
          "--network", network, "--ip", ips.get(i)));
      hosts.forEach((host, addresses) -> addresses.forEach(a -> pod.addAll(List.of("--add-host", host + ":" + a))));
      check(run(conf, Duration.ofMinutes(1), pod.toArray(String[]::new)));
      containers.add(name);
      check(run(conf, Duration.ofMinutes(1), "podman", "--runtime", "runc", "pod", "start", name));
      if (env.containsKey("LAYERKIT_ORDERS_KAFKA")) {
        String infra = check(run(conf, Duration.ofSeconds(30), "podman", "pod", "inspect", "-f", "{{.InfraContainerID}}",
            name)).trim();
        String pid = check(run(conf, Duration.ofSeconds(30), "podman", "inspect", "-f", "{{.State.Pid}}", infra)).trim();
        for (int port : brokerPorts) { // the brokers' advertised localhost:PORT, inside the pod
          relays.add(start("nsenter", "-t", pid, "-n", "socat", "TCP-LISTEN:" + port + ",bind=127.0.0.1,fork,reuseaddr",
              "TCP:" + gateway + ":" + port));
        }
      }
      List<String> command = new ArrayList<>(List.of("podman", "run", "-d", "--runtime", "runc", "--pod", name,
          "--name", name + "-app", "--restart", "on-failure:5"));
      env.forEach((key, value) -> command.addAll(List.of("--env", key + "=" + value)));
      if (!spec.command().isEmpty()) {
        command.addAll(List.of("--entrypoint", new ObjectMapper().writeValueAsString(spec.command())));
      }
      command.add(spec.image());
      command.addAll(spec.args());
      check(run(conf, Duration.ofMinutes(1), command.toArray(String[]::new)));
      pods.add(new Pod(spec, name + "-app", ips.get(i)));
      if (i + 1 == specs.size() || !specs.get(i + 1).deployment().equals(spec.deployment())) {
        for (Pod started : pods) {
          if (started.spec().deployment().equals(spec.deployment())) {
            awaitReady(conf, http, started);
          }
        }
      }
    }


    // Orders through the gateway: each crosses an order-service pod, the inventory and the payment service.
    Pod gatewayPod = pods.stream().filter(p -> p.spec().deployment().equals("order-gateway")).findFirst().orElseThrow();
    OrderClient client = new OrderClient(URI.create("http://" + gatewayPod.ip() + ":"
        + gatewayPod.spec().ports().get("http")), OrderSystemOptions.DEMO_API_KEY);
    List<Order> placed = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      placed.add(client.placeOrder("c-42", List.of(new OrderClient.Line("sku-keyboard", 1)), prefix + "-" + i));
    }
    assertThat(placed).extracting(Order::status).as("reserved, charged and confirmed: the saga's end")
        .containsOnly(OrderStatus.PLACED);
    for (Order order : placed) {
      assertThat(client.order(order.id())).hasValueSatisfying(o -> assertThat(o.status()).isEqualTo(OrderStatus.PLACED));
    }
    // The gateway found both order-service pods through the headless Service and balanced over them.
    String gatewayMetrics = http.send(HttpRequest.newBuilder(URI.create("http://" + gatewayPod.ip() + ":"
        + gatewayPod.spec().ports().get("admin") + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
    for (Pod pod : pods) {
      if (pod.spec().deployment().equals("order-service")) {
        assertThat(gatewayMetrics).as("the gateway's balancer has an endpoint per pod")
            .containsPattern("layerkit_lb_picks_total\\{[^}]*endpoint=\"" + Pattern.quote(pod.ip() + ":"
                + pod.spec().ports().get("http")) + "\"");
        String metrics = http.send(HttpRequest.newBuilder(URI.create("http://" + pod.ip() + ":"
            + pod.spec().ports().get("admin") + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(requestCount(metrics)).as("%s served requests", pod.container()).isPositive();
        // Each pod's dashboard has a consumer group of its own (named by the pod), so each sees
        // every order; with one group for both, the orders' partition would go to one of them.
        URI dashboard = URI.create("http://" + pod.ip() + ":" + pod.spec().ports().get("http") + "/dashboard");
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
            .untilAsserted(() -> assertThat(JSON.readTree(http.send(HttpRequest.newBuilder(dashboard).build(),
                HttpResponse.BodyHandlers.ofString()).body()).path("ordersPlaced").asLong())
                .as("%s's dashboard counts every order", pod.container()).isEqualTo(placed.size()));
      }
    }
    // The order-totals subscriber consumed the orders' events into its projection, which it serves.
    Pod subscriber = pods.stream().filter(p -> p.spec().deployment().equals("order-totals-subscriber")).findFirst()
        .orElseThrow();
    URI totals = URI.create("http://" + subscriber.ip() + ":" + subscriber.spec().ports().get("http")
        + "/totals/customers/c-42");
    long expectedCents = placed.stream().mapToLong(Order::totalCents).sum();
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
        .untilAsserted(() -> {
          JsonNode customer = JSON.readTree(http.send(HttpRequest.newBuilder(totals).build(),
              HttpResponse.BodyHandlers.ofString()).body());
          assertThat(customer.path("orders").asLong()).as("orders of c-42 in the projection").isEqualTo(placed.size());
          assertThat(customer.path("totalCents").asLong()).isEqualTo(expectedCents);
        });
  }

  /** Waits until a pod's readiness probe passes: the path and port its manifest gives. */
  private void awaitReady(Path conf, HttpClient http, Pod pod) throws IOException, InterruptedException {
    URI probe = URI.create("http://" + pod.ip() + ":" + pod.spec().readinessPort() + pod.spec().readinessPath());
    try {
      await().atMost(READY_WITHIN).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
          .until(() -> http.send(HttpRequest.newBuilder(probe).timeout(Duration.ofSeconds(2)).build(),
              HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
    } catch (RuntimeException e) {
      throw new AssertionError(pod.container() + " did not pass its readiness probe " + probe + "; its log:\n"
          + run(conf, Duration.ofSeconds(30), "podman", "logs", "--tail", "80", pod.container()).output(), e);
    }
  }

  /** The sum of the series the autoscaler's adapter rule reads (the order service's request counts) on a page. */
  private static double requestCount(String metrics) {
    double sum = 0;
    for (String line : metrics.split("\n")) {
      if (line.startsWith(DeployFiles.ORDER_SERVICE_REQUESTS.counter())) { // what the adapter rule reads
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }

  /** The Deployment's container from a committed manifest file, with its ConfigMap's variables. */
  private static Spec spec(String file) throws IOException {
    List<JsonNode> documents = new ArrayList<>();
    try (var values = YAML.readerFor(JsonNode.class)
        .<JsonNode>readValues(Files.readString(DEPLOY.resolve(file), StandardCharsets.UTF_8))) {
      while (values.hasNext()) {
        JsonNode document = values.next();
        if (document != null && document.isObject()) {
          documents.add(document);
        }
      }
    }
    JsonNode deployment = documents.stream().filter(d -> d.path("kind").asText().equals("Deployment"))
        .findFirst().orElseThrow(() -> new AssertionError(file + " has no Deployment"));
    JsonNode container = deployment.at("/spec/template/spec/containers/0");
    Map<String, String> env = new LinkedHashMap<>();
    for (JsonNode from : container.path("envFrom")) {
      String name = from.at("/configMapRef/name").asText();
      JsonNode configMap = documents.stream().filter(d -> d.path("kind").asText().equals("ConfigMap")
          && d.at("/metadata/name").asText().equals(name)).findFirst()
          .orElseThrow(() -> new AssertionError(file + ": envFrom names a ConfigMap it does not hold: " + name));
      configMap.path("data").properties().forEach(e -> env.put(e.getKey(), e.getValue().asText()));
    }
    Map<String, String> fieldEnv = new LinkedHashMap<>();
    for (JsonNode variable : container.path("env")) { // env wins over envFrom, as in Kubernetes
      if (variable.has("valueFrom")) {
        fieldEnv.put(variable.path("name").asText(), variable.at("/valueFrom/fieldRef/fieldPath").asText());
      } else {
        env.put(variable.path("name").asText(), variable.path("value").asText());
      }
    }
    Map<String, Integer> ports = new LinkedHashMap<>();
    container.path("ports").forEach(p -> ports.put(p.path("name").asText(), p.path("containerPort").asInt()));
    JsonNode probe = container.at("/readinessProbe/httpGet");
    JsonNode port = probe.path("port");
    int readinessPort = port.isInt() ? port.asInt() : ports.getOrDefault(port.asText(), -1);
    assertThat(readinessPort).as("%s: the readiness probe's port %s is a container port", file, port).isPositive();
    return new Spec(deployment.at("/metadata/name").asText(), container.path("image").asText(),
        strings(container.path("command")), strings(container.path("args")), env, fieldEnv, ports,
        probe.path("path").asText(), readinessPort);
  }

  private static List<String> strings(JsonNode array) {
    List<String> values = new ArrayList<>();
    array.forEach(value -> values.add(value.asText()));
    return values;
  }

  /** Creates this test's network on a free 10.89.x.0/24 subnet and returns {@code 10.89.x}. */
  private String createNetwork(Path conf) throws IOException, InterruptedException {
    Result last = null;
    for (int attempt = 0; attempt < 10; attempt++) {
      String subnet = "10.89." + ThreadLocalRandom.current().nextInt(10, 250);
      last = run(conf, Duration.ofMinutes(1), "podman", "network", "create", "--subnet", subnet + ".0/24", prefix);
      if (last.exitStatus() == 0) {
        network = prefix;
        return subnet;
      }
    }
    throw new AssertionError("could not create a podman network: " + last);
  }

  /**
   * Forwards {@code bind:port} to {@code host:targetPort} with socat until the test ends, once it
   * listens; nothing if the same port on {@code bind} already answers (a server on every address,
   * as the in-JVM Kafka brokers are).
   */
  private void relay(String bind, int port, String host, int targetPort) throws IOException {
    if (port == targetPort && answers(bind, port)) {
      return;
    }
    Process relay = start("socat", "TCP-LISTEN:" + port + ",bind=" + bind + ",fork,reuseaddr",
        "TCP:" + host + ":" + targetPort);
    relays.add(relay);
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
      if (!relay.isAlive()) {
        throw new AssertionError("socat relay " + bind + ":" + port + " -> " + host + ":" + targetPort + " exited: "
            + Files.readString(dir.resolve("relay-" + (relays.size() - 1) + ".log")));
      }
      return answers(bind, port);
    });
  }

  private static boolean answers(String host, int port) {
    try (Socket probe = new Socket()) {
      probe.connect(new InetSocketAddress(host, port), 1000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private Process start(String... command) throws IOException {
    try {
      return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("relay-"
          + relays.size() + ".log").toFile()).start();
    } catch (IOException e) {
      throw new IOException("cannot run " + command[0] + " (Debian packages socat and util-linux; .ci/run installs"
          + " them): " + e.getMessage(), e);
    }
  }

  @AfterEach
  void removeEverything() throws Exception {
    Path conf = containersConf();
    for (String container : containers) {
      run(conf, Duration.ofMinutes(1), "podman", "pod", "rm", "-f", "-t", "2", container);
    }
    for (Process relay : relays) {
      relay.destroy();
      relay.waitFor(10, TimeUnit.SECONDS);
    }
    if (!network.isEmpty()) {
      run(conf, Duration.ofMinutes(1), "podman", "network", "rm", "-f", network);
    }
  }

  /** What DESIGN's "Containers" paragraph says podman needs on this machine kind. */
  private Path containersConf() throws IOException {
    Path conf = dir.resolve("containers.conf");
    if (!Files.exists(conf)) {
      Files.writeString(conf, "[containers]\ndefault_ulimits = []\npids_limit = 0\n[engine]\ncgroup_manager = \"cgroupfs\"\n");
    }
    return conf;
  }

  /** A command's exit status and output. */
  private record Result(List<String> command, int exitStatus, String output) {}

  private static String check(Result result) {
    assertThat(result.exitStatus()).as("%s failed:\n%s", String.join(" ", result.command()), result.output()).isZero();
    return result.output();
  }

  private Result run(Path conf, Duration timeout, String... command) throws IOException, InterruptedException {
    Path output = Files.createTempFile(dir, "out", ".log");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
    builder.environment().put("CONTAINERS_CONF", conf.toString());
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new AssertionError("cannot run " + command[0] + ": install podman and runc (Debian packages; .ci/run"
          + " installs them): " + e.getMessage(), e);
    }
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + " did not end within " + timeout);
    }
    return new Result(List.of(command), process.exitValue(), Files.readString(output));
  }
}
