package dev.graft.lab;

import java.util.ArrayList;
import java.util.List;

/**
 * Which roles each host gets in the inventory. Hosts 1..controlPlanes are control planes; etcd runs
 * stacked on the first {@code etcd} control planes, or (externalEtcd) on the {@code etcd} hosts
 * right after them; every other host is a worker. The default is host 1 control-plane+etcd.
 */
public record RolePlan(int controlPlanes, int etcd, boolean externalEtcd) {
  public static final RolePlan DEFAULT = new RolePlan(1, 1, false);

  public RolePlan {
    if (controlPlanes < 1) {
      throw new IllegalArgumentException("at least one control plane is needed: " + controlPlanes);
    }
    if (etcd < 1) {
      throw new IllegalArgumentException("at least one etcd host is needed: " + etcd);
    }
    if (!externalEtcd && etcd > controlPlanes) {
      throw new IllegalArgumentException(
          "stacked etcd runs on control planes: etcd ("
              + etcd
              + ") > control planes ("
              + controlPlanes
              + ")");
    }
  }

  public int minimumHosts() {
    return externalEtcd ? controlPlanes + etcd : controlPlanes;
  }

  public List<String> rolesFor(int index) {
    List<String> roles = new ArrayList<>();
    if (index <= controlPlanes) {
      roles.add("control-plane");
      if (!externalEtcd && index <= etcd) {
        roles.add("etcd");
      }
    } else if (externalEtcd && index <= controlPlanes + etcd) {
      roles.add("etcd");
    } else {
      roles.add("worker");
    }
    return List.copyOf(roles);
  }
}
