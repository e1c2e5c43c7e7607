package dev.graft.workflows.routing;

import dev.graft.workflows.FailureTypes;
import dev.graft.workflows.model.PodNetwork;
import dev.graft.workflows.plan.Cidr;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Chooses pod CIDRs for the nodes that have none yet (pure, deterministic).
 *
 * <p>Every block a Node already holds in the API is taken and never moved: the API refuses to
 * change {@code spec.podCIDR} once set, and pods already have addresses from it. A block the
 * inventory fixes for a node is honoured when it is free; every other node gets the lowest free
 * block of the node mask's size, in the order given, so the same inputs always give the same
 * answer. It is all or nothing: when one node cannot get a block, nothing is allocated and an
 * {@link AllocationException} says why, so the caller changes nothing.
 */
public final class PodCidrAllocator {
  private PodCidrAllocator() {}

  /** A block a node already holds (its {@code spec.podCIDR}). */
  public record Held(String node, String podCidr) {}

  /** A node that needs a block; {@code fixedCidr} is the inventory's choice, or null. */
  public record Wanted(String node, String fixedCidr) {}

  /** The per-node prefix lengths routed mode accepts: room for the bridge address and pods. */
  public static final int MAX_NODE_MASK = 30;

  /**
   * Allocates a block to every wanted node.
   *
   * @param clusterCidr the cluster's pod network, e.g. 10.244.0.0/16
   * @param nodeMask the prefix length of a node's block (kube-controller-manager's
   *     --node-cidr-mask-size); 0 means the default /24
   * @param held blocks already held by any node of the cluster
   * @param wanted nodes without a block, in the order blocks are handed out
   * @return node name to its new block, in {@code wanted} order
   * @throws AllocationException when the network is invalid, a fixed block is invalid or taken, or
   *     the network has too few free blocks; nothing is allocated then
   */
  public static Map<String, String> allocate(
      String clusterCidr, int nodeMask, List<Held> held, List<Wanted> wanted) {
    Cidr network = network(clusterCidr, nodeMask);
    int mask = effectiveMask(nodeMask);
    List<Cidr> taken = new ArrayList<>();
    for (Held h : held) {
      parseHeld(h).ifPresent(taken::add);
    }
    Map<String, String> result = new LinkedHashMap<>();
    // Fixed blocks first, so that allocation never hands one of them to another node.
    for (Wanted w : wanted) {
      if (w.fixedCidr() == null || w.fixedCidr().isBlank()) {
        continue;
      }
      Cidr c;
      try {
        c = Cidr.parse(w.fixedCidr());
      } catch (IllegalArgumentException e) {
        throw new AllocationException(
            FailureTypes.POD_CIDR_INVALID,
            "node " + w.node() + ": pod CIDR from the inventory: " + e.getMessage());
      }
      if (!network.contains(c)) {
        throw new AllocationException(
            FailureTypes.POD_CIDR_INVALID,
            "node "
                + w.node()
                + ": pod CIDR "
                + c
                + " from the inventory lies outside the pod network "
                + network);
      }
      if (c.prefix() > MAX_NODE_MASK) {
        throw new AllocationException(
            FailureTypes.POD_CIDR_INVALID,
            "node "
                + w.node()
                + ": pod CIDR "
                + c
                + " is too small for a bridge address and pods (/"
                + MAX_NODE_MASK
                + " or larger)");
      }
      for (Cidr t : taken) {
        if (t.overlaps(c)) {
          throw new AllocationException(
              FailureTypes.POD_CIDR_CONFLICT,
              "node "
                  + w.node()
                  + ": pod CIDR "
                  + c
                  + " from the inventory overlaps "
                  + t
                  + ", which another node already holds");
        }
      }
      taken.add(c);
      result.put(w.node(), c.toString());
    }
    List<String> without = new ArrayList<>();
    for (Wanted w : wanted) {
      if (result.containsKey(w.node())) {
        continue;
      }
      Optional<Cidr> free = network.firstFree(mask, taken);
      if (free.isEmpty()) {
        without.add(w.node());
        continue;
      }
      taken.add(free.get());
      result.put(w.node(), free.get().toString());
    }
    if (!without.isEmpty()) {
      throw new AllocationException(
          FailureTypes.POD_CIDR_EXHAUSTED,
          "the pod network "
              + network
              + " has no free /"
              + mask
              + " left for "
              + without
              + " ("
              + (taken.size())
              + " block(s) taken, room for "
              + capacity(network, mask)
              + "); nothing was allocated. Widen the pod network or use a longer node mask");
    }
    return result;
  }

  /** The cluster network, checked: IPv4, and the node mask fits inside it. */
  public static Cidr network(String clusterCidr, int nodeMask) {
    Cidr network;
    try {
      network = Cidr.parse(clusterCidr);
    } catch (IllegalArgumentException e) {
      throw new AllocationException(
          FailureTypes.POD_NETWORK_INVALID, "pod network: " + e.getMessage());
    }
    int mask = effectiveMask(nodeMask);
    if (mask < network.prefix() || mask > MAX_NODE_MASK) {
      throw new AllocationException(
          FailureTypes.POD_NETWORK_INVALID,
          "pod network "
              + network
              + ": node mask /"
              + mask
              + " must lie between /"
              + network.prefix()
              + " and /"
              + MAX_NODE_MASK);
    }
    return network;
  }

  public static int effectiveMask(int nodeMask) {
    return nodeMask <= 0 ? PodNetwork.DEFAULT_NODE_MASK : nodeMask;
  }

  private static long capacity(Cidr network, int mask) {
    return 1L << (mask - network.prefix());
  }

  /** An IPv6 or unparsable block cannot collide with IPv4 blocks: it is left out of the count. */
  private static Optional<Cidr> parseHeld(Held h) {
    if (h.podCidr() == null || h.podCidr().isBlank()) {
      return Optional.empty();
    }
    try {
      return Optional.of(Cidr.parse(h.podCidr()));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
