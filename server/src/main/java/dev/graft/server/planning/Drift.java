package dev.graft.server.planning;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.graft.activities.kube.KubeadmClusterInfo;
import dev.graft.workflows.model.ClusterSpec;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.Taint;
import dev.graft.workflows.plan.PlanMessage;
import io.fabric8.kubernetes.api.model.Node;
import java.io.ByteArrayInputStream;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Where the inventory and the cluster disagree about what exists, as plan warnings (the planner
 * itself reports nodes the inventory lacks, roles and pod CIDRs that differ): labels and taints of
 * existing nodes, kubelet versions other than the cluster's, and certificates of the kubeconfig
 * that expire within 30 days. Graft only adds nodes, so none of this is changed; it is said so that
 * nobody approves a plan believing the inventory describes the cluster.
 */
public final class Drift {
  static final Duration EXPIRY_WINDOW = Duration.ofDays(30);
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private Drift() {}

  public static List<PlanMessage> of(
      ClusterSpec inventory, List<Node> nodes, KubeadmClusterInfo kubeadm, String kubeconfig) {
    return of(inventory, nodes, kubeadm, kubeconfig, Instant.now());
  }

  static List<PlanMessage> of(
      ClusterSpec inventory,
      List<Node> nodes,
      KubeadmClusterInfo kubeadm,
      String kubeconfig,
      Instant now) {
    List<PlanMessage> out = new ArrayList<>();
    for (NodeSpec n : inventory.nodes()) {
      Node node =
          nodes.stream()
              .filter(x -> n.name().equals(x.getMetadata().getName()))
              .findFirst()
              .orElse(null);
      if (node == null) {
        continue;
      }
      Map<String, String> labels =
          node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
      List<String> missing = new ArrayList<>();
      n.labels()
          .forEach(
              (k, v) -> {
                if (!Objects.equals(labels.get(k), v)) {
                  missing.add(
                      k
                          + "="
                          + v
                          + (labels.containsKey(k) ? " (the Node has " + labels.get(k) + ")" : ""));
                }
              });
      if (!missing.isEmpty()) {
        out.add(
            new PlanMessage(
                "labels-differ",
                n.name(),
                "the inventory's labels "
                    + String.join(", ", missing)
                    + " are not on the existing Node (Graft does not change existing nodes)"));
      }
      List<String> taints = new ArrayList<>();
      for (Taint t : n.taints()) {
        boolean present =
            node.getSpec() != null
                && node.getSpec().getTaints() != null
                && node.getSpec().getTaints().stream()
                    .anyMatch(
                        x ->
                            t.key().equals(x.getKey())
                                && Objects.equals(emptyToNull(t.value()), emptyToNull(x.getValue()))
                                && t.effect().equals(x.getEffect()));
        if (!present) {
          taints.add(
              t.key()
                  + (t.value() == null || t.value().isEmpty() ? "" : "=" + t.value())
                  + ":"
                  + t.effect());
        }
      }
      if (!taints.isEmpty()) {
        out.add(
            new PlanMessage(
                "taints-differ",
                n.name(),
                "the inventory's taints "
                    + String.join(", ", taints)
                    + " are not on the existing Node (Graft does not change existing nodes)"));
      }
    }
    String version = kubeadm.kubernetesVersion();
    for (Node node : nodes) {
      String kubelet =
          node.getStatus() == null || node.getStatus().getNodeInfo() == null
              ? null
              : node.getStatus().getNodeInfo().getKubeletVersion();
      if (version != null && kubelet != null && !kubelet.equals(version)) {
        out.add(
            new PlanMessage(
                "kubelet-version-differs",
                node.getMetadata().getName(),
                "kubelet "
                    + kubelet
                    + " while the cluster's kubeadm-config says "
                    + version
                    + " (new nodes join at "
                    + version
                    + ")"));
      }
    }
    out.addAll(expiring(kubeconfig, now));
    return out;
  }

  /** The kubeconfig's CA and client certificates that expire within {@link #EXPIRY_WINDOW}. */
  static List<PlanMessage> expiring(String kubeconfig, Instant now) {
    List<PlanMessage> out = new ArrayList<>();
    JsonNode k;
    try {
      k = YAML.readTree(kubeconfig);
    } catch (Exception e) {
      return out; // the kubeconfig was parsed before; its certificates are only a courtesy here
    }
    if (k == null) {
      return out;
    }
    for (JsonNode c : k.path("clusters")) {
      check(
          out,
          "the cluster CA of kubeconfig cluster " + c.path("name").asText(),
          c.path("cluster").path("certificate-authority-data").asText(null),
          now);
    }
    for (JsonNode u : k.path("users")) {
      check(
          out,
          "the client certificate of kubeconfig user " + u.path("name").asText(),
          u.path("user").path("client-certificate-data").asText(null),
          now);
    }
    return out;
  }

  private static void check(List<PlanMessage> out, String what, String base64Pem, Instant now) {
    if (base64Pem == null || base64Pem.isBlank()) {
      return;
    }
    try {
      byte[] pem = Base64.getMimeDecoder().decode(base64Pem);
      X509Certificate cert =
          (X509Certificate)
              CertificateFactory.getInstance("X.509")
                  .generateCertificate(new ByteArrayInputStream(pem));
      Instant notAfter = cert.getNotAfter().toInstant();
      if (notAfter.isBefore(now.plus(EXPIRY_WINDOW))) {
        out.add(
            new PlanMessage(
                "certificate-expiring",
                null,
                what
                    + (notAfter.isBefore(now) ? " expired on " : " expires on ")
                    + notAfter
                    + " (within 30 days): renew it (kubeadm certs renew) before it stops the cluster"));
      }
    } catch (Exception e) {
      out.add(
          new PlanMessage(
              "certificate-unreadable",
              null,
              what + " is not a certificate Graft can read: " + e.getMessage()));
    }
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
