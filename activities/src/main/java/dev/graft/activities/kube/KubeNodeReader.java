package dev.graft.activities.kube;

import dev.graft.workflows.model.Role;
import dev.graft.workflows.plan.ObservedNode;
import dev.graft.workflows.upgrade.UpgradeInput;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads the nodes registered in the Kubernetes API, with the roles their labels give and their pod
 * CIDRs. The client comes in through the constructor (long-lived, shared), built by {@link
 * KubeClients} with bounded requests and no retries of its own, because Temporal owns retries.
 */
public final class KubeNodeReader {
  static final String ROLE = "node-role.kubernetes.io/";
  private final KubernetesClient client;

  public KubeNodeReader(KubernetesClient client) {
    this.client = client;
  }

  public List<ObservedNode> readNodes() {
    List<ObservedNode> out = new ArrayList<>();
    for (Node n : client.nodes().list().getItems()) {
      out.add(toObserved(n));
    }
    return out;
  }

  /**
   * Every Node's kubelet version ({@code status.nodeInfo.kubeletVersion}) and whether its Ready
   * condition is True: what the upgrade planner checks the version skew rules against.
   */
  public List<UpgradeInput.ObservedVersion> readVersions() {
    List<UpgradeInput.ObservedVersion> out = new ArrayList<>();
    for (Node n : client.nodes().list().getItems()) {
      out.add(toVersion(n));
    }
    return out;
  }

  public static UpgradeInput.ObservedVersion toVersion(Node n) {
    NodeStatus s = n.getStatus();
    String kubelet =
        s == null || s.getNodeInfo() == null ? null : s.getNodeInfo().getKubeletVersion();
    boolean ready =
        s != null
            && s.getConditions() != null
            && s.getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    return new UpgradeInput.ObservedVersion(n.getMetadata().getName(), kubelet, ready);
  }

  public static ObservedNode toObserved(Node n) {
    Map<String, String> labels =
        n.getMetadata().getLabels() == null ? Map.of() : n.getMetadata().getLabels();
    List<Role> roles = new ArrayList<>();
    for (String key : labels.keySet()) {
      if (!key.startsWith(ROLE)) {
        continue;
      }
      switch (key.substring(ROLE.length())) {
        case "control-plane", "master" -> roles.add(Role.CONTROL_PLANE);
        case "etcd" -> roles.add(Role.ETCD);
        case "infra" -> roles.add(Role.INFRA);
        case "node", "worker" -> roles.add(Role.WORKER);
        default -> {}
      }
    }
    // kubeadm labels only control-plane nodes; a node without that label runs workloads.
    if (!roles.contains(Role.CONTROL_PLANE) && !roles.contains(Role.WORKER)) {
      roles.add(Role.WORKER);
    }
    String address = null;
    if (n.getStatus() != null && n.getStatus().getAddresses() != null) {
      for (NodeAddress a : n.getStatus().getAddresses()) {
        if ("InternalIP".equals(a.getType())) {
          address = a.getAddress();
          break;
        }
      }
    }
    String podCidr = n.getSpec() == null ? null : n.getSpec().getPodCIDR();
    return new ObservedNode(n.getMetadata().getName(), address, roles, podCidr);
  }
}
