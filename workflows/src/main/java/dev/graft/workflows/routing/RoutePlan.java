package dev.graft.workflows.routing;

import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.plan.Cidr;
import dev.graft.workflows.plan.Route;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Pure decisions of the routed pod network: which routes a node gets, which addresses it uses. */
public final class RoutePlan {
  private RoutePlan() {}

  /**
   * The routes one node needs: to the pod CIDR of every other node that has one and a known
   * address, sorted by node name so the node's config file is stable between runs.
   */
  public static List<Route> routesFor(String node, List<NodePodCidr> all) {
    List<Route> routes = new ArrayList<>();
    for (NodePodCidr n : all) {
      if (!n.node().equals(node) && n.podCidr() != null && n.nodeIp() != null) {
        routes.add(new Route(n.podCidr(), n.nodeIp(), n.node()));
      }
    }
    routes.sort(Comparator.comparing(Route::viaNode));
    return routes;
  }

  /**
   * How many nodes one history may take on: a node's routes, and its probe's targets, name every
   * other node, so k nodes carry k × (n − 1) entries. At least one node, however large the cluster.
   */
  public static int nodesPerBatch(int nodes, int entriesPerBatch) {
    return Math.max(1, entriesPerBatch / Math.max(1, nodes - 1));
  }

  /** The nodes in slices of {@code size}, in their order (the last one may be shorter). */
  public static <T> List<List<T>> slices(List<T> items, int size) {
    List<List<T>> out = new ArrayList<>();
    for (int from = 0; from < items.size(); from += size) {
      out.add(items.subList(from, Math.min(items.size(), from + size)));
    }
    return out;
  }

  /**
   * The address other nodes route this node's pods through: the inventory's {@code ip}, else the
   * InternalIP the node reports, else its SSH address when that is an IPv4 address.
   */
  public static String nodeIp(NodeSpec spec, String internalIp) {
    if (spec != null && spec.ip() != null && Cidr.isAddress(spec.ip())) {
      return spec.ip();
    }
    if (internalIp != null && Cidr.isAddress(internalIp)) {
      return internalIp;
    }
    if (spec != null && Cidr.isAddress(spec.address())) {
      return spec.address();
    }
    return null;
  }

  /** The bridge's address: the first address of the node's block, e.g. 10.244.1.1/24. */
  public static String bridgeAddress(String podCidr) {
    Cidr c = Cidr.parse(podCidr);
    return Cidr.format(c.base() + 1) + "/" + c.prefix();
  }

  /** The bridge address without the prefix: the default verification target of a node. */
  public static String gateway(String podCidr) {
    return Cidr.format(Cidr.parse(podCidr).base() + 1);
  }

  /**
   * The address of Graft's short-lived probe namespace on a node: the last usable address of its
   * block (10.244.1.254/24), the one a pod IPAM that counts upwards hands out last.
   */
  public static String probeAddress(String podCidr) {
    Cidr c = Cidr.parse(podCidr);
    return Cidr.format(c.last() - 1) + "/" + c.prefix();
  }
}
