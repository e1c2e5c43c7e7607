package dev.graft.lab.bootstrap;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.graft.lab.standin.ApiStandin;
import dev.graft.lab.standin.CertKey;
import dev.graft.lab.standin.KubeImages;
import dev.graft.lab.standin.Kubeconfig;
import dev.graft.lab.standin.Pem;
import dev.graft.lab.standin.Pki;
import dev.graft.lab.standin.StandinHost;
import dev.graft.lab.standin.StaticPodManifests;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.net.URI;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Makes a host what `kubeadm init` leaves behind, keeping kubeadm's contract so that what works
 * against the lab works against a kubeadm cluster: the PKI and kubeconfigs at kubeadm's paths,
 * static pod manifests for etcd (run for real by the kubelet stand-in) and kube-apiserver (served
 * by the API stand-in), kube-system/kubeadm-config, kube-public/cluster-info (signed for each
 * bootstrap token by the API stand-in's bootstrap signer), the init bootstrap token, and the
 * control-plane Node, Ready and marked as kubeadm marks it.
 */
public final class ClusterBootstrap {
  static final String PKI = "/etc/kubernetes/pki";
  private static final ObjectMapper YAML =
      new ObjectMapper(
          new YAMLFactory()
              .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
              .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

  private ClusterBootstrap() {}

  public static BootstrapResult bootstrap(StandinHost host, ApiStandin api, BootstrapSpec spec)
      throws IOException, InterruptedException {
    String node = host.name();
    String addr = host.address();
    String cpEndpoint = URI.create(api.url()).getAuthority();
    CertKey ca = api.ca();
    Map<String, Supplier<CertKey>> cas = new LinkedHashMap<>();
    cas.put("front-proxy-ca", () -> Pki.newCa("front-proxy-ca"));
    cas.put("etcd/ca", () -> Pki.newCa("etcd-ca"));
    Map<String, CertKey> caPairs = Pki.issueAll(cas);
    CertKey frontProxyCa = caPairs.get("front-proxy-ca");
    CertKey etcdCa = caPairs.get("etcd/ca");
    String cpHost = URI.create(api.url()).getHost();
    Map<String, Supplier<CertKey>> leaves =
        Pki.controlPlaneLeaves(ca, frontProxyCa, etcdCa, node, addr, cpHost);
    leaves.put(
        "bootstrap-check",
        () ->
            Pki.issue(etcdCa, "graft-lab-bootstrap-check", List.of(), List.of(), Pki.Usage.CLIENT));
    CompletableFuture<KeyPair> sa = CompletableFuture.supplyAsync(Pki::rsaKey);
    Map<String, CertKey> issued = Pki.issueAll(leaves);

    writePair(host, "ca", ca);
    writePair(host, "front-proxy-ca", frontProxyCa);
    writePair(host, "etcd/ca", etcdCa);
    host.writeFile(PKI + "/sa.key", Pem.encode(sa.join().getPrivate()), "0600");
    host.writeFile(PKI + "/sa.pub", Pem.encode(sa.join().getPublic()), "0644");
    for (String name :
        List.of(
            "apiserver",
            "apiserver-kubelet-client",
            "front-proxy-client",
            "apiserver-etcd-client",
            "etcd/server",
            "etcd/peer",
            "etcd/healthcheck-client")) {
      writePair(host, name, issued.get(name));
    }
    String server = "https://" + cpEndpoint;
    host.writeFile(
        "/etc/kubernetes/admin.conf",
        Kubeconfig.withCert(server, ca.certPem(), "kubernetes-admin", issued.get("admin")).toYaml(),
        "0600");
    host.writeFile(
        "/etc/kubernetes/kubelet.conf",
        Kubeconfig.withCert(server, ca.certPem(), "system:node:" + node, issued.get("kubelet"))
            .toYaml(),
        "0600");

    StaticPodManifests.Etcd etcd =
        new StaticPodManifests.Etcd(
            node,
            addr,
            spec.etcdClientPort(),
            spec.etcdPeerPort(),
            node + "=https://" + addr + ":" + spec.etcdPeerPort(),
            false,
            "registry.k8s.io/etcd:" + KubeImages.etcdTag(spec.kubernetesVersion()));
    host.writeFile("/etc/kubernetes/manifests/etcd.yaml", StaticPodManifests.etcd(etcd), "0600");
    host.writeFile(
        "/etc/kubernetes/manifests/kube-apiserver.yaml",
        StaticPodManifests.apiServer(
            addr,
            URI.create(api.url()).getPort(),
            "https://127.0.0.1:" + spec.etcdClientPort(),
            spec.serviceSubnet(),
            spec.kubernetesVersion()),
        "0600");
    host.writeFile("/var/lib/kubelet/config.yaml", StaticPodManifests.kubeletConfig(), "0644");
    host.writeFile(
        "/var/lib/kubelet/kubeadm-flags.env",
        "KUBELET_KUBEADM_ARGS=\""
            + "--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock"
            + " --pod-infra-container-image=registry.k8s.io/pause:3.10 --hostname-override="
            + node
            + " --node-ip="
            + addr
            + "\"\n",
        "0644");

    KubernetesClient kube = api.client();
    for (String ns : List.of("kube-system", "kube-public", "kube-node-lease", "default")) {
      kube.namespaces()
          .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
          .createOr(x -> x.update());
    }
    kube.configMaps()
        .inNamespace("kube-system")
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName("kubeadm-config")
                .withNamespace("kube-system")
                .endMetadata()
                .addToData("ClusterConfiguration", clusterConfiguration(spec, cpEndpoint))
                .build())
        .createOr(x -> x.update());
    kube.configMaps()
        .inNamespace("kube-public")
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName("cluster-info")
                .withNamespace("kube-public")
                .endMetadata()
                .addToData("kubeconfig", Kubeconfig.clusterInfo(server, ca.certPem()))
                .build())
        .createOr(x -> x.update());
    String tokenId = randomLower(6);
    kube.secrets()
        .inNamespace("kube-system")
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("bootstrap-token-" + tokenId)
                .withNamespace("kube-system")
                .endMetadata()
                .withType("bootstrap.kubernetes.io/token")
                .addToStringData("token-id", tokenId)
                .addToStringData("token-secret", randomLower(16))
                .addToStringData(
                    "description", "The default bootstrap token generated by 'kubeadm init'.")
                .addToStringData(
                    "expiration",
                    Instant.now()
                        .plus(Duration.ofHours(24))
                        .truncatedTo(ChronoUnit.SECONDS)
                        .toString())
                .addToStringData("usage-bootstrap-authentication", "true")
                .addToStringData("usage-bootstrap-signing", "true")
                .addToStringData(
                    "auth-extra-groups", "system:bootstrappers:kubeadm:default-node-token")
                .build())
        .create();

    host.exec(
            Duration.ofSeconds(30),
            host.rootPrefix() + "/usr/local/bin/systemctl",
            "restart",
            "kubelet")
        .requireSuccess("start the kubelet stand-in on " + node);
    await(
        () -> kube.nodes().withName(node).get() != null,
        spec.readyTimeout(),
        "Node " + node + " registered by the kubelet stand-in");
    // The kubelet stand-in updates this Node's status every 2 s: an edit based on a stale
    // resourceVersion gets 409 Conflict, as with a real kubelet. Retry on the fresh object, as
    // kubeadm's own node patching does.
    for (int attempt = 1; ; attempt++) {
      try {
        markControlPlane(kube, node);
        break;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt >= 10) {
          throw e;
        }
      }
    }
    EtcdHealth health =
        new EtcdHealth(etcd.clientUrl(), etcdCa.certPem(), issued.get("bootstrap-check"));
    await(
        health::healthy,
        spec.readyTimeout(),
        "etcd on " + node + " healthy at " + etcd.clientUrl());
    await(
        () -> isReady(kube.nodes().withName(node).get()),
        spec.readyTimeout(),
        "Node " + node + " Ready");
    return new BootstrapResult(
        node,
        etcd.clientUrl(),
        cpEndpoint,
        api.caCertHash(),
        tokenId,
        "/etc/kubernetes/admin.conf",
        PKI + "/etcd/ca.crt",
        PKI + "/apiserver-etcd-client.crt",
        PKI + "/apiserver-etcd-client.key");
  }

  static String clusterConfiguration(BootstrapSpec spec, String cpEndpoint) throws IOException {
    ObjectNode c = YAML.createObjectNode();
    c.putObject("apiServer");
    c.put("apiVersion", "kubeadm.k8s.io/v1beta4");
    c.put("caCertificateValidityPeriod", "87600h0m0s");
    c.put("certificateValidityPeriod", "8760h0m0s");
    c.put("certificatesDir", PKI);
    c.put("clusterName", spec.clusterName());
    c.put("controlPlaneEndpoint", cpEndpoint);
    c.putObject("controllerManager");
    c.putObject("dns");
    c.put("encryptionAlgorithm", "RSA-2048");
    c.putObject("etcd").putObject("local").put("dataDir", "/var/lib/etcd");
    c.put("imageRepository", "registry.k8s.io");
    c.put("kind", "ClusterConfiguration");
    c.put("kubernetesVersion", spec.kubernetesVersion());
    c.putObject("networking")
        .put("dnsDomain", "cluster.local")
        .put("podSubnet", spec.podSubnet())
        .put("serviceSubnet", spec.serviceSubnet());
    c.putObject("proxy");
    c.putObject("scheduler");
    return YAML.writeValueAsString(c);
  }

  static boolean isReady(Node n) {
    if (n == null || n.getStatus() == null || n.getStatus().getConditions() == null) {
      return false;
    }
    for (NodeCondition c : n.getStatus().getConditions()) {
      if ("Ready".equals(c.getType())) {
        return "True".equals(c.getStatus());
      }
    }
    return false;
  }

  private static void writePair(StandinHost host, String name, CertKey c) throws IOException {
    host.writeFile(PKI + "/" + name + ".crt", c.certPem(), "0644");
    host.writeFile(PKI + "/" + name + ".key", c.keyPem(), "0600");
  }

  private static String randomLower(int n) {
    String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      sb.append(alphabet.charAt(Pki.random().nextInt(alphabet.length())));
    }
    return sb.toString();
  }

  static void await(BooleanSupplier check, Duration timeout, String what)
      throws IOException, InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (true) {
      try {
        if (check.getAsBoolean()) {
          return;
        }
      } catch (RuntimeException e) {
        // Not there yet (connection refused, 404 …): keep polling until the deadline.
      }
      if (Instant.now().isAfter(deadline)) {
        throw new IOException("bootstrap: timed out after " + timeout + " waiting for " + what);
      }
      Thread.sleep(200);
    }
  }

  private static void markControlPlane(KubernetesClient kube, String node) {
    kube.nodes()
        .withName(node)
        .edit(
            n -> {
              n.getMetadata().getLabels().put("node-role.kubernetes.io/control-plane", "");
              n.getMetadata()
                  .getLabels()
                  .put("node.kubernetes.io/exclude-from-external-load-balancers", "");
              List<Taint> taints =
                  new ArrayList<>(
                      n.getSpec().getTaints() == null ? List.of() : n.getSpec().getTaints());
              if (taints.stream()
                  .noneMatch(t -> "node-role.kubernetes.io/control-plane".equals(t.getKey()))) {
                taints.add(
                    new TaintBuilder()
                        .withKey("node-role.kubernetes.io/control-plane")
                        .withEffect("NoSchedule")
                        .build());
              }
              n.getSpec().setTaints(taints);
              return n;
            });
  }
}
