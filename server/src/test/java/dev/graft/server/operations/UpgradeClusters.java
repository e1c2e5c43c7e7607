package dev.graft.server.operations;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A kubeadm cluster in the fabric8 mock server (CRUD mode, the stand-in kube-apiserver), as an
 * upgrade reads it: kubeadm-config's kubernetesVersion and each Node's kubelet version and Ready.
 */
public final class UpgradeClusters {
  private UpgradeClusters() {}

  public static void kubeadmConfig(KubernetesClient client, String version) {
    client
        .configMaps()
        .inNamespace("kube-system")
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName("kubeadm-config")
                .withNamespace("kube-system")
                .endMetadata()
                .withData(
                    Map.of(
                        "ClusterConfiguration",
                        String.join(
                            "\n",
                            "kind: ClusterConfiguration",
                            "controlPlaneEndpoint: 10.0.0.1:6443",
                            "kubernetesVersion: " + version,
                            "etcd: {local: {dataDir: /var/lib/etcd}}",
                            "networking: {podSubnet: 10.244.0.0/16, serviceSubnet: 10.96.0.0/12}")))
                .build())
        .create();
  }

  public static void node(
      KubernetesClient client, String name, boolean controlPlane, String kubelet, boolean ready) {
    client
        .nodes()
        .resource(
            new NodeBuilder()
                .withNewMetadata()
                .withName(name)
                .withLabels(
                    controlPlane ? Map.of("node-role.kubernetes.io/control-plane", "") : Map.of())
                .endMetadata()
                .withNewStatus()
                .withNewNodeInfo()
                .withKubeletVersion(kubelet)
                .endNodeInfo()
                .addNewCondition()
                .withType("Ready")
                .withStatus(ready ? "True" : "False")
                .endCondition()
                .endStatus()
                .build())
        .create();
  }

  /** An admin kubeconfig for the mock server. */
  public static Path kubeconfig(KubernetesClient client, Path dir) throws Exception {
    return Files.writeString(
        dir.resolve("admin.conf"),
        String.join(
            "\n",
            "apiVersion: v1",
            "kind: Config",
            "clusters:",
            "- name: mock",
            "  cluster:",
            "    server: " + client.getMasterUrl(),
            "    insecure-skip-tls-verify: true",
            "users:",
            "- name: admin",
            "  user:",
            "    token: stand-in",
            "contexts:",
            "- name: mock",
            "  context: {cluster: mock," + " user: admin}",
            "current-context: mock"));
  }
}
