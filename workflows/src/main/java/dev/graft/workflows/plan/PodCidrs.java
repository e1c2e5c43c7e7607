package dev.graft.workflows.plan;

import dev.graft.workflows.model.ClusterSpec;
import dev.graft.workflows.model.NodeSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Chooses the pod CIDR of every new node. A block is taken when an existing node holds it or the
 * inventory fixes it for any node; new blocks are the lowest free ones of the node mask's size, so
 * re-planning the same inputs gives the same answer.
 */
final class PodCidrs {
  private final ClusterSpec desired;
  private final ObservedCluster observed;
  private final List<PlanMessage> warnings;
  private final List<PlanMessage> refusals;

  PodCidrs(
      ClusterSpec desired,
      ObservedCluster observed,
      List<PlanMessage> warnings,
      List<PlanMessage> refusals) {
    this.desired = desired;
    this.observed = observed;
    this.warnings = warnings;
    this.refusals = refusals;
  }

  /** New node name to its pod CIDR; nodes without a block are absent (and a refusal says why). */
  Map<String, String> assign(List<NodeSpec> added) {
    Map<String, String> result = new LinkedHashMap<>();
    if (added.isEmpty()) {
      return result;
    }
    Cidr network;
    int mask;
    try {
      network = Cidr.parse(desired.podNetwork() == null ? null : desired.podNetwork().cidr());
      mask = desired.podNetwork().nodeMask();
      network.firstFree(mask, List.of()); // checks that the mask fits
    } catch (IllegalArgumentException e) {
      refusals.add(new PlanMessage("pod-network-invalid", null, "pod network: " + e.getMessage()));
      return result;
    }
    List<Cidr> taken = new ArrayList<>();
    for (ObservedNode o : observed.nodes()) {
      parse(o.podCidr()).ifPresent(taken::add);
    }
    // Blocks the inventory fixes come first, so that allocation never hands one out.
    for (NodeSpec n : added) {
      if (n.podCidr() == null) {
        continue;
      }
      Optional<Cidr> c = parse(n.podCidr());
      if (c.isEmpty()) {
        refusals.add(
            new PlanMessage(
                "pod-cidr-invalid",
                n.name(),
                "pod CIDR \"" + n.podCidr() + "\" is not an IPv4 CIDR"));
      } else if (!network.contains(c.get())) {
        refusals.add(
            new PlanMessage(
                "pod-cidr-outside-network",
                n.name(),
                "pod CIDR " + c.get() + " lies outside the pod network " + network));
      } else if (taken.stream().anyMatch(t -> t.overlaps(c.get()))) {
        refusals.add(
            new PlanMessage(
                "pod-cidr-taken",
                n.name(),
                "pod CIDR " + c.get() + " overlaps a block that is already taken"));
      } else {
        taken.add(c.get());
        result.put(n.name(), c.get().toString());
      }
    }
    for (NodeSpec n : added) {
      if (n.podCidr() != null) {
        continue;
      }
      Optional<Cidr> free = network.firstFree(mask, taken);
      if (free.isEmpty()) {
        refusals.add(
            new PlanMessage(
                "pod-cidr-exhausted",
                n.name(),
                "no free /"
                    + mask
                    + " left in the pod network "
                    + network
                    + " ("
                    + taken.size()
                    + " blocks taken)"));
        continue;
      }
      taken.add(free.get());
      result.put(n.name(), free.get().toString());
    }
    return result;
  }

  private Optional<Cidr> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(Cidr.parse(text));
    } catch (IllegalArgumentException e) {
      warnings.add(
          new PlanMessage(
              "observed-pod-cidr-invalid",
              null,
              "ignoring pod CIDR \"" + text + "\": " + e.getMessage()));
      return Optional.empty();
    }
  }
}
