package dev.graft.activities.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.workflows.model.EtcdTopology;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** kubeadm-config and cluster-info as kubeadm publishes them, served by the fabric8 mock server. */
@EnableKubernetesMockClient(crud = true)
class KubeadmConfigReaderTest {
  KubernetesClient client;

  private void configMap(String ns, String name, String key, String value) {
    client
        .configMaps()
        .inNamespace(ns)
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(ns)
                .endMetadata()
                .withData(Map.of(key, value))
                .build())
        .create();
  }

  private void clusterInfo(String server) {
    configMap(
        "kube-public",
        "cluster-info",
        "kubeconfig",
        String.join(
            "\n",
            "apiVersion: v1",
            "kind: Config",
            "clusters:",
            "- name: \"\"",
            "  cluster:",
            "    certificate-authority-data: AAAA",
            "    server: " + server));
  }

  @Test
  void stackedClusterWithItsEndpointSubnetsAndVersion() {
    configMap(
        "kube-system",
        "kubeadm-config",
        "ClusterConfiguration",
        String.join(
            "\n",
            "apiVersion: kubeadm.k8s.io/v1beta3",
            "kind: ClusterConfiguration",
            "controlPlaneEndpoint: api.prod.example:6443",
            "kubernetesVersion: v1.32.1",
            "etcd:",
            "  local:",
            "    dataDir: /var/lib/etcd",
            "networking:",
            "  podSubnet: 10.244.0.0/16",
            "  serviceSubnet: 10.96.0.0/12"));
    clusterInfo("https://10.0.0.1:6443");
    KubeadmClusterInfo k = new KubeadmConfigReader(client).read();
    assertTrue(k.kubeadmConfigFound());
    assertEquals("https://api.prod.example:6443", k.controlPlaneEndpoint());
    assertEquals("10.244.0.0/16", k.podSubnet());
    assertEquals("10.96.0.0/12", k.serviceSubnet());
    assertEquals(EtcdTopology.STACKED, k.etcdTopology());
    assertEquals("v1.32.1", k.kubernetesVersion());
  }

  @Test
  void externalEtcdAndNoEndpointFallsBackToClusterInfo() {
    configMap(
        "kube-system",
        "kubeadm-config",
        "ClusterConfiguration",
        String.join(
            "\n",
            "kind: ClusterConfiguration",
            "etcd:",
            "  external:",
            "    endpoints: [https://10.0.0.5:2379, https://10.0.0.6:2379]",
            "    caFile: /etc/etcd/ca.crt",
            "    certFile: /etc/etcd/c.crt",
            "    keyFile: /etc/etcd/c.key",
            "networking: {podSubnet: \"10.244.0.0/16,fd00::/56\"}"));
    clusterInfo("https://10.0.0.1:6443/");
    KubeadmClusterInfo k = new KubeadmConfigReader(client).read();
    assertEquals("https://10.0.0.1:6443", k.controlPlaneEndpoint());
    assertEquals(EtcdTopology.EXTERNAL, k.etcdTopology());
    assertEquals(List.of("https://10.0.0.5:2379", "https://10.0.0.6:2379"), k.etcdEndpoints());
    assertEquals("/etc/etcd/c.key", k.etcdKeyFile());
    assertNull(k.serviceSubnet());
  }

  @Test
  void aClusterWithoutKubeadmConfigSaysSo() {
    clusterInfo("https://10.0.0.1:6443");
    KubeadmClusterInfo k = new KubeadmConfigReader(client).read();
    assertFalse(k.kubeadmConfigFound());
    assertEquals("https://10.0.0.1:6443", k.controlPlaneEndpoint());
    assertNull(k.etcdTopology());
  }

  @Test
  void anEndpointWithoutPortGetsKubeadmsDefault() {
    assertEquals(
        "https://lb.example:6443",
        KubeadmConfigReader.parse("controlPlaneEndpoint: lb.example", null).controlPlaneEndpoint());
  }
}
