package dev.graft.workflows.remove;

import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.plan.EtcdMember;
import dev.graft.workflows.plan.ObservedNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds what earlier changes left behind (pure): learners that never started or never caught up,
 * members whose host is no Node, Nodes that are not Ready and that no inventory host stands for,
 * and inventory hosts that carry kubeadm's files but never became a Node. Nodes the operation
 * removes itself are left out: their steps take care of them.
 */
public final class Orphans {
  private Orphans() {}

  /**
   * @param inventory the inventory's nodes
   * @param nodes the Nodes in the API
   * @param ready the names of Ready Nodes
   * @param members etcd's members
   * @param kubeadmFiles per inventory host that answered, the kubeadm files it has (empty: none);
   *     hosts that were not looked at are absent
   * @param removing the names this operation removes
   */
  public static List<Orphan> find(
      List<NodeSpec> inventory,
      List<ObservedNode> nodes,
      Collection<String> ready,
      List<EtcdMember> members,
      Map<String, List<String>> kubeadmFiles,
      Collection<String> removing) {
    List<Orphan> out = new ArrayList<>();
    Set<String> nodeHosts = new HashSet<>();
    Set<String> nodeNames = new HashSet<>();
    for (ObservedNode n : nodes) {
      nodeNames.add(n.name());
      if (n.address() != null) {
        nodeHosts.add(n.address());
      }
    }
    Set<String> removingHosts = new HashSet<>();
    Set<String> inventoryNames = new HashSet<>();
    for (NodeSpec n : inventory) {
      inventoryNames.add(n.name());
      if (removing.contains(n.name())) {
        removingHosts.add(n.routeAddress());
        removingHosts.add(n.address());
      }
      // An inventory host is where its Node would be, even before the API reports its address.
      if (nodeNames.contains(n.name())) {
        nodeHosts.add(n.routeAddress());
        nodeHosts.add(n.address());
      }
    }
    for (EtcdMember m : members) {
      String host = m.peerHost();
      if (host != null && removingHosts.contains(host)) {
        continue;
      }
      String label = m.name() == null || m.name().isEmpty() ? m.id() : m.name();
      if (m.learner() || m.name() == null || m.name().isEmpty()) {
        out.add(
            new Orphan(
                Orphan.LEARNER,
                label,
                m.id(),
                (m.learner() ? "learner" : "member")
                    + " "
                    + m.id()
                    + " ("
                    + m.peerUrl()
                    + ") "
                    + (m.name() == null || m.name().isEmpty()
                        ? "never started"
                        : m.healthy() ? "never caught up / was never promoted" : "is not healthy"),
                "remove etcd member " + m.id() + " by id"));
      } else if (host == null || !nodeHosts.contains(host)) {
        out.add(
            new Orphan(
                Orphan.MEMBER_WITHOUT_NODE,
                label,
                m.id(),
                "voter "
                    + m.id()
                    + " ("
                    + m.peerUrl()
                    + ") has no Node at "
                    + host
                    + (m.healthy() ? "" : "; it is unhealthy"),
                "remove etcd member " + m.id() + " by id when the quorum projection allows it"));
      }
    }
    for (ObservedNode n : nodes) {
      if (removing.contains(n.name())
          || inventoryNames.contains(n.name())
          || ready.contains(n.name())) {
        continue;
      }
      out.add(
          new Orphan(
              Orphan.NODE_WITHOUT_HOST,
              n.name(),
              null,
              "Node "
                  + n.name()
                  + " is not Ready and no"
                  + " inventory host stands for it"
                  + (n.address() == null ? "" : " (last address " + n.address() + ")"),
              "delete Node " + n.name()));
    }
    for (NodeSpec n : inventory) {
      List<String> files = kubeadmFiles.get(n.name());
      if (removing.contains(n.name())
          || nodeNames.contains(n.name())
          || files == null
          || files.isEmpty()) {
        continue;
      }
      out.add(
          new Orphan(
              Orphan.HALF_JOINED_HOST,
              n.name(),
              null,
              n.name() + " has kubeadm's files " + files + " but no Node",
              "kubeadm reset -f on " + n.name()));
    }
    return out;
  }
}
