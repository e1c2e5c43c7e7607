package dev.graft.activities.kube;

import dev.graft.activities.etcd.EtcdMemberReader;
import dev.graft.activities.etcd.EtcdReadException;
import dev.graft.workflows.plan.EtcdMember;
import dev.graft.workflows.plan.ObservedCluster;
import dev.graft.workflows.plan.ObservedNode;
import java.util.List;

/**
 * The observed state the planner needs: the nodes registered in the API, and the etcd members
 * with their health. Both readers are given; neither retries (see their factories).
 */
public final class ObservedClusterReader {
  private final KubeNodeReader nodes;
  private final EtcdMemberReader etcd;

  public ObservedClusterReader(KubeNodeReader nodes, EtcdMemberReader etcd) {
    this.nodes = nodes;
    this.etcd = etcd;
  }

  public ObservedCluster read() throws EtcdReadException {
    List<ObservedNode> n = nodes.readNodes();
    List<EtcdMember> m = etcd.readMembers();
    return new ObservedCluster(n, m);
  }
}
