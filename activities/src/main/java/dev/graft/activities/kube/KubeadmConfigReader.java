package dev.graft.activities.kube;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.graft.workflows.model.EtcdTopology;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a kubeadm cluster's settings as kubeadm publishes them: {@code kube-system/kubeadm-config}
 * (its {@code ClusterConfiguration}: controlPlaneEndpoint, networking.podSubnet and serviceSubnet,
 * etcd.local or etcd.external, kubernetesVersion) and {@code kube-public/cluster-info} (the API
 * server address every joining node uses). This is how Graft expands a cluster it did not create.
 * The client is bounded and does not retry (see {@link KubeClients}).
 */
public final class KubeadmConfigReader {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private final KubernetesClient client;

  public KubeadmConfigReader(KubernetesClient client) {
    this.client = client;
  }

  public KubeadmClusterInfo read() {
    ConfigMap kubeadm =
        client.configMaps().inNamespace("kube-system").withName("kubeadm-config").get();
    ConfigMap clusterInfo =
        client.configMaps().inNamespace("kube-public").withName("cluster-info").get();
    String fromClusterInfo =
        clusterInfo == null || clusterInfo.getData() == null
            ? null
            : serverOf(clusterInfo.getData().get("kubeconfig"));
    String text =
        kubeadm == null || kubeadm.getData() == null
            ? null
            : kubeadm.getData().get("ClusterConfiguration");
    if (text == null) {
      return KubeadmClusterInfo.withoutKubeadmConfig(fromClusterInfo);
    }
    return parse(text, fromClusterInfo);
  }

  /** Parses a ClusterConfiguration document; {@code fallbackEndpoint} fills an empty endpoint. */
  static KubeadmClusterInfo parse(String clusterConfiguration, String fallbackEndpoint) {
    JsonNode c;
    try {
      c = YAML.readTree(clusterConfiguration);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "kube-system/kubeadm-config: ClusterConfiguration is not YAML: " + e.getMessage(), e);
    }
    if (c == null || !c.isObject()) {
      throw new IllegalArgumentException(
          "kube-system/kubeadm-config: ClusterConfiguration is empty");
    }
    String endpoint = text(c, "controlPlaneEndpoint");
    if (endpoint != null && !endpoint.contains("://")) {
      endpoint = "https://" + endpoint;
    }
    if (endpoint != null && !endpoint.matches("^https?://.*:[0-9]+/?$")) {
      endpoint = endpoint + ":6443"; // kubeadm's default bind port when the endpoint omits it
    }
    if (endpoint == null) {
      endpoint = fallbackEndpoint;
    }
    JsonNode net = c.path("networking");
    JsonNode etcd = c.path("etcd");
    EtcdTopology topology = etcd.has("external") ? EtcdTopology.EXTERNAL : EtcdTopology.STACKED;
    List<String> endpoints = new ArrayList<>();
    etcd.path("external").path("endpoints").forEach(e -> endpoints.add(e.asText()));
    JsonNode ext = etcd.path("external");
    return new KubeadmClusterInfo(
        endpoint,
        text(net, "podSubnet"),
        text(net, "serviceSubnet"),
        topology,
        endpoints,
        text(ext, "caFile"),
        text(ext, "certFile"),
        text(ext, "keyFile"),
        text(c, "kubernetesVersion"),
        true,
        text(c, "clusterName"));
  }

  /** The {@code server:} of the first cluster in cluster-info's kubeconfig. */
  static String serverOf(String kubeconfig) {
    if (kubeconfig == null) {
      return null;
    }
    try {
      JsonNode k = YAML.readTree(kubeconfig);
      String server = k.path("clusters").path(0).path("cluster").path("server").asText(null);
      return server == null || server.isBlank() ? null : server.replaceAll("/+$", "");
    } catch (IOException e) {
      return null; // cluster-info is only a fallback for the endpoint
    }
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.path(field);
    return v.isMissingNode() || v.isNull() || v.asText().isBlank() ? null : v.asText().trim();
  }
}
