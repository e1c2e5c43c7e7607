package dev.graft.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.dropwizard.configuration.ConfigurationSourceProvider;
import io.dropwizard.configuration.FileConfigurationSourceProvider;
import io.dropwizard.configuration.SubstitutingSourceProvider;
import io.dropwizard.configuration.YamlConfigurationFactory;
import io.dropwizard.core.server.DefaultServerFactory;
import io.dropwizard.jackson.Jackson;
import io.dropwizard.jetty.HttpConnectorFactory;
import jakarta.validation.Validation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.commons.text.StringSubstitutor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * No Docker engine runs here, so the compose file is checked by reading it: every service can be
 * built or pulled, images are pinned, dependencies and ports line up, and the Graft config each
 * Graft container loads (with the container's environment) points at the Temporal service.
 */
class ComposeWiringTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static JsonNode services;

  @BeforeAll
  static void readCompose() throws Exception {
    JsonNode compose =
        new ObjectMapper(new YAMLFactory()).readTree(ROOT.resolve("docker-compose.yml").toFile());
    services = compose.get("services");
    assertTrue(services != null && services.size() >= 5, "compose defines the services");
  }

  @Test
  void everyServiceHasAPinnedImageOrABuild() {
    for (Iterator<Map.Entry<String, JsonNode>> it = services.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> s = it.next();
      JsonNode svc = s.getValue();
      boolean build = svc.has("build");
      assertTrue(build || svc.has("image"), s.getKey() + " has neither image nor build");
      if (build) {
        Path context = ROOT.resolve(svc.get("build").get("context").asText());
        assertTrue(
            Files.isRegularFile(context.resolve(svc.get("build").get("dockerfile").asText())),
            s.getKey() + ": Dockerfile missing");
      } else {
        String image = svc.get("image").asText();
        assertTrue(image.contains(":"), s.getKey() + " image is not pinned: " + image);
        assertFalse(image.endsWith(":latest"), s.getKey() + " image is :latest");
      }
    }
    // temporalio/auto-setup is deprecated upstream and no longer rebuilt: the server image, with
    // admin-tools jobs for the schema and the namespace, all of one release.
    assertTrue(image("temporal").startsWith("temporalio/server:"), image("temporal"));
    String release = image("temporal").substring("temporalio/server:".length());
    assertEquals("temporalio/admin-tools:" + release, image("temporal-schema"));
    assertEquals("temporalio/admin-tools:" + release, image("temporal-namespace"));
    assertTrue(image("temporal-ui").startsWith("temporalio/ui:"));
    assertTrue(image("postgresql").startsWith("postgres:"));
  }

  @Test
  void dependenciesFormTheStartOrder() {
    assertEquals(List.of("postgresql"), dependsOn("temporal-schema"));
    assertEquals("service_completed_successfully", condition("temporal", "temporal-schema"));
    assertEquals("service_healthy", condition("temporal-namespace", "temporal"));
    assertTrue(dependsOn("temporal-ui").contains("temporal"));
    for (String graft : List.of("graft-server", "graft-worker")) {
      // Graft starts once its namespace exists (with its retention), not merely once Temporal
      // listens.
      assertEquals("service_completed_successfully", condition(graft, "temporal-namespace"), graft);
    }
    assertEquals("postgresql", env("temporal").get("POSTGRES_SEEDS"));
    assertEquals("postgresql", env("temporal-schema").get("POSTGRES_SEEDS"));
    for (String svc :
        List.of(
            "temporal-schema",
            "temporal",
            "temporal-namespace",
            "temporal-ui",
            "graft-server",
            "graft-worker")) {
      for (String dep : dependsOn(svc)) {
        assertTrue(services.has(dep), svc + " depends on unknown service " + dep);
      }
    }
  }

  /**
   * The one-shot jobs run scripts from config/temporal that exist, parse, and are what they say.
   */
  @Test
  void setupJobsRunTheShippedScripts() throws Exception {
    for (String job : List.of("temporal-schema", "temporal-namespace")) {
      JsonNode svc = services.get(job);
      String script = svc.get("command").get(0).asText();
      assertTrue(script.startsWith("/etc/graft-temporal/"), job + ": " + script);
      assertTrue(
          svc.get("volumes").toString().contains("./config/temporal:/etc/graft-temporal:ro"), job);
      Path file =
          ROOT.resolve("config/temporal")
              .resolve(script.substring("/etc/graft-temporal/".length()));
      assertTrue(Files.isRegularFile(file), job + ": " + file);
      Process sh =
          new ProcessBuilder("sh", "-n", file.toString()).redirectErrorStream(true).start();
      assertTrue(
          sh.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) && sh.exitValue() == 0,
          job + ": sh -n " + file + ": " + new String(sh.getInputStream().readAllBytes()));
    }
    String schema = Files.readString(ROOT.resolve("config/temporal/setup-schema.sh"));
    for (String db : List.of("temporal", "temporal_visibility")) {
      assertTrue(schema.contains(db), "the schema job sets up " + db);
    }
    assertTrue(schema.contains("update-schema"), schema);
    String ns = Files.readString(ROOT.resolve("config/temporal/create-namespace.sh"));
    assertTrue(
        ns.contains("namespace create")
            && ns.contains("namespace update")
            && ns.contains("--retention"),
        ns);
  }

  @Test
  void namespaceRetentionIsLongEnoughToAudit() {
    String retention = env("temporal-namespace").get("GRAFT_NAMESPACE_RETENTION");
    assertTrue(retention.endsWith("d"), retention);
    assertTrue(Integer.parseInt(retention.replace("d", "")) >= 30, retention);
    assertEquals(
        env("graft-server").get("TEMPORAL_NAMESPACE"),
        env("temporal-namespace").get("GRAFT_NAMESPACE"),
        "the job creates the namespace Graft uses");
  }

  @Test
  void publishedPortsBindLoopbackOnly() {
    for (Iterator<Map.Entry<String, JsonNode>> it = services.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> s = it.next();
      for (String port : ports(s.getKey())) {
        assertTrue(port.startsWith("127.0.0.1:"), s.getKey() + " publishes " + port);
      }
    }
  }

  @Test
  void graftContainersUseTheTemporalService() throws Exception {
    String temporalPort = containerPort(ports("temporal").get(0));
    for (String svc : List.of("graft-server", "graft-worker")) {
      String target = env(svc).get("TEMPORAL_ADDRESS");
      assertEquals("temporal:" + temporalPort, target, svc);
      GraftConfiguration config = loadAsContainer(svc);
      assertEquals(target, config.getTemporal().getTarget(), svc + " config resolves the target");
    }
    assertEquals("temporal:" + temporalPort, env("temporal-ui").get("TEMPORAL_ADDRESS"));
  }

  @Test
  void serverPortsAndHealthchecksMatchTheConfig() throws Exception {
    GraftConfiguration server = loadAsContainer("graft-server");
    DefaultServerFactory factory = (DefaultServerFactory) server.getServerFactory();
    HttpConnectorFactory app = (HttpConnectorFactory) factory.getApplicationConnectors().get(0);
    HttpConnectorFactory admin = (HttpConnectorFactory) factory.getAdminConnectors().get(0);
    assertEquals(String.valueOf(app.getPort()), containerPort(ports("graft-server").get(0)));
    assertEquals("127.0.0.1", admin.getBindHost());
    assertTrue(
        healthcheck("graft-server").contains("127.0.0.1:" + admin.getPort() + "/healthcheck"));

    GraftConfiguration worker = loadAsContainer("graft-worker");
    DefaultServerFactory wf = (DefaultServerFactory) worker.getServerFactory();
    assertTrue(wf.getApplicationConnectors().isEmpty(), "the worker serves no API");
    int workerAdmin = ((HttpConnectorFactory) wf.getAdminConnectors().get(0)).getPort();
    assertTrue(healthcheck("graft-worker").contains("127.0.0.1:" + workerAdmin + "/healthcheck"));
  }

  /**
   * Prometheus scrapes the server's and the worker's admin ports on 127.0.0.1 (where Graft lets
   * them listen): it and the worker share the server's network namespace, its targets are the admin
   * ports the containers' configs bind, its rules are the shipped ones, and its UI is published on
   * loopback through the server's ports.
   */
  @Test
  void prometheusScrapesServerAndWorkerOnLoopbackWithTheRules() throws Exception {
    JsonNode prom = services.get("prometheus");
    assertTrue(prom != null, "compose has a prometheus service");
    assertTrue(image("prometheus").startsWith("prom/prometheus:v"), image("prometheus"));
    assertEquals("service:graft-server", prom.path("network_mode").asText());
    assertEquals(
        "service:graft-server", services.get("graft-worker").path("network_mode").asText());
    assertTrue(dependsOn("graft-worker").contains("graft-server"));
    assertTrue(dependsOn("prometheus").containsAll(List.of("graft-server", "graft-worker")));

    String config = null;
    String mounted = null;
    for (JsonNode v : prom.path("volumes")) {
      String[] p = v.asText().split(":");
      if (p[0].startsWith("./")) {
        mounted = p[1];
        assertTrue(Files.isDirectory(ROOT.resolve(p[0].substring(2))), v.asText());
        config = p[0].substring(2);
      }
    }
    assertEquals("/etc/prometheus", mounted);
    boolean configFlag = false;
    for (JsonNode c : prom.path("command")) {
      configFlag |= c.asText().equals("--config.file=/etc/prometheus/prometheus.yml");
    }
    assertTrue(configFlag, prom.path("command").toString());
    JsonNode scrape =
        new ObjectMapper(new YAMLFactory())
            .readTree(ROOT.resolve(config).resolve("prometheus.yml").toFile());
    for (JsonNode rules : scrape.path("rule_files")) {
      String inContainer = rules.asText();
      assertTrue(inContainer.startsWith("/etc/prometheus/"), inContainer);
      assertTrue(
          Files.isRegularFile(
              ROOT.resolve(config).resolve(inContainer.substring("/etc/prometheus/".length()))),
          inContainer + " is not shipped");
    }
    assertEquals(1, scrape.path("rule_files").size());

    Map<String, String> targets = new HashMap<>();
    for (JsonNode job : scrape.path("scrape_configs")) {
      assertEquals("/prometheus", job.path("metrics_path").asText(), job.toString());
      targets.put(
          job.path("job_name").asText(),
          job.path("static_configs").get(0).path("targets").get(0).asText());
    }
    for (String svc : List.of("graft-server", "graft-worker")) {
      DefaultServerFactory f = (DefaultServerFactory) loadAsContainer(svc).getServerFactory();
      HttpConnectorFactory admin = (HttpConnectorFactory) f.getAdminConnectors().get(0);
      assertEquals("127.0.0.1", admin.getBindHost(), svc);
      assertEquals(
          "127.0.0.1:" + admin.getPort(),
          targets.get(svc),
          svc + " is scraped where its admin port listens");
    }
    assertTrue(
        ports("graft-server").stream().anyMatch(p -> p.equals("127.0.0.1:9090:9090")),
        "Prometheus's UI is published on loopback: " + ports("graft-server"));
  }

  /**
   * Workers write the audit archive, the server reads it: one volume, the directory both configs
   * name.
   */
  @Test
  void serverAndWorkerShareTheAuditArchive() throws Exception {
    String server = loadAsContainer("graft-server").getAudit().getArchiveDir();
    String worker = loadAsContainer("graft-worker").getAudit().getArchiveDir();
    assertFalse(server.isBlank(), "the server has an archive directory");
    assertEquals(server, worker);
    assertTrue(
        volumes("graft-server").contains("graft-audit:" + server + ":ro"),
        volumes("graft-server").toString());
    assertTrue(
        volumes("graft-worker").contains("graft-audit:" + worker),
        volumes("graft-worker").toString());
  }

  private static List<String> volumes(String svc) {
    List<String> out = new ArrayList<>();
    services.get(svc).path("volumes").forEach(v -> out.add(v.asText()));
    return out;
  }

  /** Loads the config file named in the service's command, as the container would. */
  private static GraftConfiguration loadAsContainer(String svc) throws Exception {
    JsonNode command = services.get(svc).get("command");
    String inContainer = command.get(1).asText();
    assertTrue(inContainer.startsWith("/opt/graft/config/"), inContainer);
    Path file =
        ROOT.resolve("config").resolve(inContainer.substring("/opt/graft/config/".length()));
    assertTrue(Files.isRegularFile(file), file + " missing");
    Map<String, String> env = new HashMap<>(env(svc));
    ConfigurationSourceProvider provider =
        new SubstitutingSourceProvider(
            new FileConfigurationSourceProvider(),
            new StringSubstitutor(env::get) {
              {
                setEnableSubstitutionInVariables(false);
              }
            });
    return new YamlConfigurationFactory<>(
            GraftConfiguration.class,
            Validation.buildDefaultValidatorFactory().getValidator(),
            Jackson.newObjectMapper(),
            "dw")
        .build(provider, file.toString());
  }

  private static String image(String svc) {
    return services.get(svc).get("image").asText();
  }

  private static List<String> dependsOn(String svc) {
    List<String> out = new ArrayList<>();
    JsonNode deps = services.get(svc).get("depends_on");
    if (deps == null) {
      return out;
    }
    if (deps.isArray()) {
      deps.forEach(d -> out.add(d.asText()));
    } else {
      deps.fieldNames().forEachRemaining(out::add);
    }
    return out;
  }

  /**
   * The condition of {@code svc}'s dependency on {@code dep} ("service_started" when none is
   * named).
   */
  private static String condition(String svc, String dep) {
    JsonNode deps = services.get(svc).get("depends_on");
    assertTrue(
        deps != null && !deps.isArray() && deps.has(dep),
        svc + " does not depend on " + dep + " with a condition");
    return deps.get(dep).path("condition").asText("service_started");
  }

  private static Map<String, String> env(String svc) {
    Map<String, String> out = new HashMap<>();
    JsonNode env = services.get(svc).get("environment");
    if (env != null) {
      env.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
    }
    return out;
  }

  private static List<String> ports(String svc) {
    List<String> out = new ArrayList<>();
    JsonNode ports = services.get(svc).get("ports");
    if (ports != null) {
      ports.forEach(p -> out.add(p.asText()));
    }
    return out;
  }

  private static String containerPort(String mapping) {
    return mapping.substring(mapping.lastIndexOf(':') + 1);
  }

  private static String healthcheck(String svc) {
    return services.get(svc).get("healthcheck").get("test").toString();
  }
}
