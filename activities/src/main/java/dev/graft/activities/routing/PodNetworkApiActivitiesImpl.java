package dev.graft.activities.routing;

import static dev.graft.activities.common.ActivityAttempts.attempt;

import dev.graft.activities.kube.KubeClients;
import dev.graft.activities.kube.KubeFailures;
import dev.graft.workflows.FailureTypes;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.routing.AllocationException;
import dev.graft.workflows.routing.AllocationRequest;
import dev.graft.workflows.routing.AllocationResult;
import dev.graft.workflows.routing.ClusterRequest;
import dev.graft.workflows.routing.CniDetection;
import dev.graft.workflows.routing.NodePodCidr;
import dev.graft.workflows.routing.PodCidrAllocator;
import dev.graft.workflows.routing.PodNetworkApiActivities;
import dev.graft.workflows.routing.RoutePlan;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CNI detection and pod CIDR allocation through the Kubernetes API. Allocation reads every Node,
 * decides with the pure {@link PodCidrAllocator} (so exhaustion fails before any write), then
 * records each new block with a merge patch of {@code spec.podCIDR}/{@code spec.podCIDRs}, which
 * the API accepts only from empty: a node's block is never changed.
 */
public final class PodNetworkApiActivitiesImpl implements PodNetworkApiActivities {
  private static final Logger LOG = LoggerFactory.getLogger(PodNetworkApiActivitiesImpl.class);

  private final KubeClients clients;

  public PodNetworkApiActivitiesImpl(KubeClients clients) {
    this.clients = clients;
  }

  @Override
  public CniDetection detectCni(ClusterRequest request) {
    KubernetesClient kube = clients.forKubeconfig(request.kubeconfig());
    try {
      for (DaemonSet ds : kube.apps().daemonSets().inAnyNamespace().list().getItems()) {
        Map<String, String> labels =
            ds.getSpec() == null
                    || ds.getSpec().getTemplate() == null
                    || ds.getSpec().getTemplate().getMetadata() == null
                ? null
                : ds.getSpec().getTemplate().getMetadata().getLabels();
        CniSignatures.Signature s =
            CniSignatures.matchDaemonSet(ds.getMetadata().getName(), labels);
        if (s != null) {
          return found(
              s, "DaemonSet " + ds.getMetadata().getNamespace() + "/" + ds.getMetadata().getName());
        }
      }
      // Pods started some other way (static pods, a renamed DaemonSet) still carry the labels.
      for (CniSignatures.Signature s : CniSignatures.ALL) {
        List<Pod> pods =
            kube.pods()
                .inAnyNamespace()
                .withLabel(s.label(), s.value())
                .list(new ListOptionsBuilder().withLimit(1L).build())
                .getItems();
        if (!pods.isEmpty()) {
          Pod p = pods.get(0);
          return found(
              s,
              "pod "
                  + p.getMetadata().getNamespace()
                  + "/"
                  + p.getMetadata().getName()
                  + " ("
                  + s.label()
                  + "="
                  + s.value()
                  + ")");
        }
      }
    } catch (KubernetesClientException e) {
      throw KubeFailures.toApplicationFailure("detect the CNI", e);
    }
    return new CniDetection(
        null,
        null,
        "no Calico, Flannel or Cilium in the cluster: Graft programs the pod routes (simple routed mode)",
        attempt());
  }

  private static CniDetection found(CniSignatures.Signature s, String evidence) {
    return new CniDetection(
        s.cni(),
        evidence,
        s.cni()
            + " manages pod routes ("
            + evidence
            + "): Graft skips route programming, cbr0 and"
            + " the pod-to-pod probe, and leaves the pod network to it",
        attempt());
  }

  @Override
  public AllocationResult allocate(AllocationRequest request) {
    if (request.podNetwork() == null) {
      throw ApplicationFailure.newNonRetryableFailure(
          "the cluster has no pod network (podNetwork.cidr)", FailureTypes.INVALID_INPUT);
    }
    KubernetesClient kube = clients.forKubeconfig(request.kubeconfig());
    try {
      Map<String, Node> live = new TreeMap<>();
      kube.nodes().list().getItems().forEach(n -> live.put(n.getMetadata().getName(), n));
      List<PodCidrAllocator.Held> held = new ArrayList<>();
      live.forEach((name, n) -> held.add(new PodCidrAllocator.Held(name, podCidr(n))));
      List<PodCidrAllocator.Wanted> wanted = new ArrayList<>();
      List<String> notes = new ArrayList<>();
      for (NodeSpec spec : request.nodes()) {
        Node n = live.get(spec.name());
        if (n == null) {
          throw ApplicationFailure.newNonRetryableFailure(
              "node " + spec.name() + " is not registered in the API: join it before routing it",
              FailureTypes.NODE_NOT_REGISTERED);
        }
        String have = podCidr(n);
        if (have == null) {
          wanted.add(new PodCidrAllocator.Wanted(spec.name(), spec.podCidr()));
        } else if (spec.podCidr() != null && !spec.podCidr().equals(have)) {
          notes.add(
              spec.name()
                  + " keeps "
                  + have
                  + " (the inventory says "
                  + spec.podCidr()
                  + "; a pod CIDR never changes once set)");
        }
      }
      Map<String, String> allocated;
      try {
        allocated =
            PodCidrAllocator.allocate(
                request.podNetwork().cidr(), request.podNetwork().nodeMask(), held, wanted);
      } catch (AllocationException e) {
        throw ApplicationFailure.newNonRetryableFailure(e.getMessage(), e.type());
      }
      for (Map.Entry<String, String> a : allocated.entrySet()) {
        record(kube, a.getKey(), a.getValue());
        LOG.info(
            "pod CIDR recorded cluster={} node={} podCIDR={}",
            request.cluster(),
            a.getKey(),
            a.getValue());
      }
      List<NodePodCidr> nodes = new ArrayList<>();
      live.forEach(
          (name, n) -> {
            NodeSpec spec =
                request.nodes().stream()
                    .filter(s -> s.name().equals(name))
                    .findFirst()
                    .orElse(null);
            String cidr = allocated.containsKey(name) ? allocated.get(name) : podCidr(n);
            nodes.add(
                new NodePodCidr(
                    name,
                    RoutePlan.nodeIp(spec, internalIp(n)),
                    cidr,
                    allocated.containsKey(name)));
          });
      nodes.sort(Comparator.comparing(NodePodCidr::node));
      for (NodePodCidr n : nodes) {
        if (n.nodeIp() == null) {
          notes.add(n.node() + " has no IPv4 address to route to (set ip in the inventory)");
        }
      }
      String kept = (nodes.size() - allocated.size()) + " node(s) kept their pod CIDR";
      String tail = notes.isEmpty() ? "" : String.join("\n", notes);
      if (allocated.isEmpty()) {
        return new AllocationResult(
            nodes,
            true,
            "every node already has its pod CIDR ("
                + kept
                + ")"
                + (notes.isEmpty() ? "" : "; " + String.join("; ", notes)),
            attempt());
      }
      return new AllocationResult(
          nodes,
          false,
          "recorded spec.podCIDR "
              + allocated
              + "; "
              + kept
              + (notes.isEmpty() ? "" : "; " + tail.replace('\n', ' ')),
          attempt());
    } catch (KubernetesClientException e) {
      throw KubeFailures.toApplicationFailure("allocate pod CIDRs", e);
    }
  }

  /**
   * Sets spec.podCIDR(s) on a node that had none. The API refuses (422) to change a block once set:
   * when another allocator (kube-controller-manager with --allocate-node-cidrs) set one after our
   * read, the retry reads again and keeps theirs.
   */
  private static void record(KubernetesClient kube, String node, String cidr) {
    String patch = "{\"spec\":{\"podCIDR\":\"" + cidr + "\",\"podCIDRs\":[\"" + cidr + "\"]}}";
    try {
      kube.nodes().withName(node).patch(PatchContext.of(PatchType.JSON_MERGE), patch);
    } catch (KubernetesClientException e) {
      if (e.getCode() == 422) {
        throw ApplicationFailure.newFailureWithCause(
            "node "
                + node
                + " got a pod CIDR from someone else while Graft allocated "
                + cidr
                + " (the API refused the change: "
                + e.getMessage()
                + "); the retry reads again",
            FailureTypes.POD_CIDR_RACE,
            e);
      }
      throw e;
    }
  }

  /** The node's IPv4 pod CIDR: spec.podCIDR, else the first IPv4 entry of spec.podCIDRs. */
  static String podCidr(Node n) {
    if (n.getSpec() == null) {
      return null;
    }
    if (n.getSpec().getPodCIDR() != null
        && !n.getSpec().getPodCIDR().isBlank()
        && !n.getSpec().getPodCIDR().contains(":")) {
      return n.getSpec().getPodCIDR();
    }
    if (n.getSpec().getPodCIDRs() != null) {
      return n.getSpec().getPodCIDRs().stream()
          .filter(c -> !c.contains(":"))
          .findFirst()
          .orElse(null);
    }
    return null;
  }

  private static String internalIp(Node n) {
    if (n.getStatus() == null || n.getStatus().getAddresses() == null) {
      return null;
    }
    return n.getStatus().getAddresses().stream()
        .filter(a -> "InternalIP".equals(a.getType()))
        .map(NodeAddress::getAddress)
        .filter(a -> !a.contains(":"))
        .findFirst()
        .orElse(null);
  }
}
