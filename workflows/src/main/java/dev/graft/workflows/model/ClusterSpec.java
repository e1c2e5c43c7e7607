package dev.graft.workflows.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * The desired cluster, as imported from an inventory (Graft YAML, kubespray INI/YAML or MetalK8s
 * Node manifests; see docs/inventory.md). A plain record so that Temporal's Jackson converter
 * carries it as a workflow input; it holds references (paths), never secrets.
 *
 * @param name the cluster's name (DNS-1123 label), used in workflow ids ({@code cluster/<name>})
 * @param apiEndpoint the control-plane endpoint, e.g. {@code https://10.213.0.11:6443}
 * @param kubeconfig path of an admin kubeconfig on the worker (a reference), may be null
 * @param kubernetesVersion e.g. {@code v1.32.0}; null means "whatever the cluster runs"
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ClusterSpec(
    String name,
    String apiEndpoint,
    String kubeconfig,
    String kubernetesVersion,
    PodNetwork podNetwork,
    String serviceCidr,
    EtcdSpec etcd,
    SshSpec ssh,
    List<NodeSpec> nodes,
    ValidationOverrides overrides) {
  public ClusterSpec {
    etcd = etcd == null ? EtcdSpec.kubeadmDefaults() : etcd;
    ssh = ssh == null ? SshSpec.EMPTY : ssh;
    nodes = nodes == null ? List.of() : List.copyOf(nodes);
    overrides = overrides == null ? ValidationOverrides.NONE : overrides;
  }

  /** A node's SSH settings with the cluster defaults filled in. */
  public SshSpec sshFor(NodeSpec node) {
    return node.ssh().over(ssh);
  }

  /**
   * The node as the activities reach it: its SSH settings layered over the cluster's (key, known
   * hosts, user).
   */
  public NodeSpec layered(NodeSpec node) {
    return node.withSsh(sshFor(node));
  }

  /** The nodes carrying {@code role}, in inventory order. */
  public List<NodeSpec> nodesWith(Role role) {
    return nodes.stream().filter(n -> n.hasRole(role)).toList();
  }

  /** The etcd client endpoints: explicit ones, else derived from the etcd-role nodes. */
  @JsonIgnore
  public List<String> etcdEndpoints() {
    if (!etcd.endpoints().isEmpty()) {
      return etcd.endpoints();
    }
    return nodesWith(Role.ETCD).stream().map(EtcdSpec::clientUrl).toList();
  }

  public ClusterSpec withNodes(List<NodeSpec> newNodes) {
    return new ClusterSpec(
        name,
        apiEndpoint,
        kubeconfig,
        kubernetesVersion,
        podNetwork,
        serviceCidr,
        etcd,
        ssh,
        newNodes,
        overrides);
  }
}
