package dev.graft.lab.standin;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kubernetes API stand-in: fabric8's mock server in CRUD mode behind a TLS front that serves a
 * certificate from the cluster CA on the chosen address (127.0.0.1, or the lab bridge address so
 * that netns hosts reach it), plus the controllers of kube-controller-manager that the lab's
 * behaviour depends on: node lifecycle (Ready → Unknown when heartbeats stop), bootstrap signer
 * (JWS signatures in cluster-info), token cleaner, and a CSR signer for kubelet client
 * certificates. Writes an admin kubeconfig (admin.conf) as kubeadm does.
 */
public final class ApiStandin implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ApiStandin.class);

  /**
   * How to run the stand-in. {@code port} 0 picks a free port; {@code ca} null makes a new CA;
   * {@code nodeMonitorGracePeriod} is kube-controller-manager's --node-monitor-grace-period (40 s
   * in a real cluster, short here so that tests see NotReady quickly).
   */
  public record Options(
      String bindAddress,
      int port,
      Path workDir,
      CertKey ca,
      Duration nodeMonitorGracePeriod,
      Duration controllerPeriod,
      List<String> extraSans) {

    public static Options loopback(Path workDir) {
      return new Options(
          "127.0.0.1", 0, workDir, null, Duration.ofSeconds(8), Duration.ofMillis(500), List.of());
    }

    public Options withCa(CertKey newCa) {
      return new Options(
          bindAddress, port, workDir, newCa, nodeMonitorGracePeriod, controllerPeriod, extraSans);
    }

    public Options withGrace(Duration grace) {
      return new Options(bindAddress, port, workDir, ca, grace, controllerPeriod, extraSans);
    }

    public Options withBind(String address, int newPort) {
      return new Options(
          address, newPort, workDir, ca, nodeMonitorGracePeriod, controllerPeriod, extraSans);
    }
  }

  private final KubernetesMockServer mock;
  private final TlsFront front;
  private final CertKey ca;
  private final String url;
  private final Path adminConf;
  private final KubernetesClient client;
  private final ScheduledExecutorService controllers;
  private final ApiFaults faults;

  private ApiStandin(
      KubernetesMockServer mock,
      TlsFront front,
      CertKey ca,
      String url,
      Path adminConf,
      KubernetesClient client,
      ScheduledExecutorService controllers,
      ApiFaults faults) {
    this.faults = faults;
    this.mock = mock;
    this.front = front;
    this.ca = ca;
    this.url = url;
    this.adminConf = adminConf;
    this.client = client;
    this.controllers = controllers;
  }

  public static ApiStandin start(Options o) throws IOException {
    if (!o.bindAddress().equals("127.0.0.1") && !o.bindAddress().startsWith("10.")) {
      // Servers bind loopback or the lab's own private bridge, never a public interface.
      throw new IllegalArgumentException(
          "API stand-in binds 127.0.0.1 or a 10.x lab address, not " + o.bindAddress());
    }
    CertKey ca = o.ca() != null ? o.ca() : Pki.newCa("kubernetes");
    ApiFaults faults = new ApiFaults();
    KubernetesMockServer mock =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            new HashMap<>(),
            new ApiStandinDispatcher(faults),
            false);
    mock.init(InetAddress.getByName("127.0.0.1"), 0);
    TlsFront front = null;
    KubernetesClient client = null;
    ScheduledExecutorService exec = null;
    try {
      List<String> sans =
          new ArrayList<>(
              List.of(
                  o.bindAddress(),
                  "127.0.0.1",
                  "localhost",
                  "kubernetes",
                  "kubernetes.default",
                  "kubernetes.default.svc",
                  "kubernetes.default.svc.cluster.local",
                  "10.96.0.1"));
      sans.addAll(o.extraSans());
      CertKey serving =
          Pki.issue(
              ca, "kube-apiserver", List.of(), sans.stream().distinct().toList(), Pki.Usage.SERVER);
      front =
          new TlsFront(
              InetAddress.getByName(o.bindAddress()),
              o.port(),
              serving,
              ca,
              new InetSocketAddress("127.0.0.1", mock.getPort()));
      String url = "https://" + o.bindAddress() + ":" + front.port();
      CertKey admin =
          Pki.issue(
              ca,
              "kubernetes-admin",
              List.of("kubeadm:cluster-admins"),
              List.of(),
              Pki.Usage.CLIENT);
      Files.createDirectories(o.workDir());
      Path adminConf = o.workDir().resolve("admin.conf");
      Kubeconfig.withCert(url, ca.certPem(), "kubernetes-admin", admin).write(adminConf);
      Files.writeString(o.workDir().resolve("ca.crt"), ca.certPem());
      client = internalClient(mock.getPort());
      exec =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "api-standin-controllers");
                t.setDaemon(true);
                return t;
              });
      List<Runnable> loops =
          List.of(
              new NodeLifecycleStandin(client, o.nodeMonitorGracePeriod())::tick,
              new BootstrapSignerStandin(client)::tick,
              new CsrSignerStandin(client, ca)::tick,
              new DisruptionStandin(client)::tick);
      for (Runnable loop : loops) {
        exec.scheduleWithFixedDelay(
            () -> {
              try {
                loop.run();
              } catch (RuntimeException e) {
                // A controller pass that fails (e.g. a 409 race with a kubelet) is retried next
                // pass.
                LOG.debug("API stand-in controller pass failed: {}", e.toString());
              }
            },
            0,
            o.controllerPeriod().toMillis(),
            TimeUnit.MILLISECONDS);
      }
      LOG.info("API stand-in serving {} (mock on 127.0.0.1:{})", url, mock.getPort());
      return new ApiStandin(mock, front, ca, url, adminConf, client, exec, faults);
    } catch (IOException | RuntimeException e) {
      if (exec != null) {
        exec.shutdownNow();
      }
      if (client != null) {
        client.close();
      }
      if (front != null) {
        front.close();
      }
      mock.destroy();
      throw e;
    }
  }

  private static KubernetesClient internalClient(int port) {
    Config config =
        new ConfigBuilder(Config.empty())
            .withMasterUrl("http://127.0.0.1:" + port)
            .withRequestRetryBackoffLimit(0)
            .withConnectionTimeout(5_000)
            .withRequestTimeout(10_000)
            // The controllers stand in for kube-controller-manager; faults injected into the API
            // are meant for the clients under test, and must not starve the controllers or take
            // draws from a seeded fault.
            .addToCustomHeaders(ApiStandinDispatcher.INTERNAL_HEADER, "controllers")
            .build();
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  /** https://address:port, as written into admin.conf and cluster-info. */
  public String url() {
    return url;
  }

  public Path adminKubeconfig() {
    return adminConf;
  }

  public CertKey ca() {
    return ca;
  }

  public String caCertHash() {
    return Pki.caCertHash(ca.cert());
  }

  /**
   * Faults of this API server: a fraction of the requests from outside (through its TLS address)
   * answered 500 or closed, for a while. The stand-in's own controllers are never hit.
   */
  public ApiFaults faults() {
    return faults;
  }

  /**
   * A test pod bound to {@code node}: an object only (no process runs), Running and Ready, as a
   * workload a drain must evict: controlled by a ReplicaSet {@code <name>-rs}, as a Deployment's
   * pods are (a drain refuses to evict a pod no controller manages: it would be gone for good).
   * Creates the namespace when missing; replaces an existing pod.
   */
  public Pod createTestPod(String node, String namespace, String name, Map<String, String> labels) {
    client
        .namespaces()
        .resource(
            new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
        .createOr(x -> x.update());
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(namespace)
            .withLabels(labels)
            .addNewOwnerReference()
            .withApiVersion("apps/v1")
            .withKind("ReplicaSet")
            .withName(name + "-rs")
            .withUid(
                UUID.nameUUIDFromBytes((namespace + "/" + name).getBytes(StandardCharsets.UTF_8))
                    .toString())
            .withController(true)
            .withBlockOwnerDeletion(true)
            .endOwnerReference()
            .endMetadata()
            .withNewSpec()
            .withNodeName(node)
            .addNewContainer()
            .withName("app")
            .withImage("registry.k8s.io/pause:3.10")
            .endContainer()
            .endSpec()
            .build();
    var created = client.pods().inNamespace(namespace).resource(pod).createOr(x -> x.update());
    created.setStatus(
        new PodStatusBuilder()
            .withPhase("Running")
            .addNewCondition()
            .withType("Ready")
            .withStatus("True")
            .endCondition()
            .build());
    return client.pods().inNamespace(namespace).resource(created).updateStatus();
  }

  /**
   * A PodDisruptionBudget with {@code maxUnavailable} over the pods {@code selector} matches (0: no
   * voluntary disruption allowed, so every eviction of a healthy covered pod gets 429).
   */
  public PodDisruptionBudget createBudget(
      String namespace, String name, Map<String, String> selector, int maxUnavailable) {
    var pdb =
        new PodDisruptionBudgetBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(namespace)
            .endMetadata()
            .withNewSpec()
            .withNewSelector()
            .withMatchLabels(selector)
            .endSelector()
            .withMaxUnavailable(new IntOrString(maxUnavailable))
            .endSpec()
            .build();
    return client
        .policy()
        .v1()
        .podDisruptionBudget()
        .inNamespace(namespace)
        .resource(pdb)
        .createOr(x -> x.update());
  }

  /** A client in this JVM that talks plain HTTP to the mock on loopback (no TLS cost). */
  public KubernetesClient client() {
    return client;
  }

  @Override
  public void close() {
    controllers.shutdownNow();
    try {
      controllers.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    client.close();
    front.close();
    mock.destroy();
  }
}
