package dev.graft.server.planning;

import dev.graft.activities.etcd.EtcdMemberReader;
import dev.graft.activities.etcd.EtcdThroughNode;
import dev.graft.activities.etcd.EtcdTls;
import dev.graft.activities.kube.KubeClients;
import dev.graft.activities.kube.KubeNodeReader;
import dev.graft.activities.kube.KubeadmClusterInfo;
import dev.graft.activities.kube.KubeadmConfigReader;
import dev.graft.activities.ssh.SshConnectionPool;
import dev.graft.activities.ssh.SshExecutor;
import dev.graft.activities.ssh.SshPoolSettings;
import dev.graft.server.inventory.ImportedInventory;
import dev.graft.server.inventory.InventoryError;
import dev.graft.server.inventory.InventoryException;
import dev.graft.server.inventory.SourcePositions;
import dev.graft.workflows.etcd.EtcdClusterStatus;
import dev.graft.workflows.model.ClusterSpec;
import dev.graft.workflows.model.EtcdSpec;
import dev.graft.workflows.model.EtcdTopology;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.PodNetwork;
import dev.graft.workflows.model.Role;
import dev.graft.workflows.plan.EtcdMember;
import dev.graft.workflows.plan.ObservedCluster;
import dev.graft.workflows.plan.ObservedNode;
import dev.graft.workflows.plan.PlanMessage;
import dev.graft.workflows.upgrade.UpgradeInput;
import io.etcd.jetcd.Client;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Reads a kubeadm cluster through an admin kubeconfig, read-only, for the planner: what kubeadm
 * published ({@code kube-system/kubeadm-config}, {@code kube-public/cluster-info}) fills what the
 * inventory leaves to defaults (name, API endpoint, pod and service subnets, node mask, etcd
 * topology, version), the Nodes and the etcd members are the observed state, and what differs
 * between the inventory and the cluster is the drift report. A value the inventory sets and the
 * cluster contradicts is an error at the inventory's line: joining nodes with the wrong pod or
 * service subnet breaks the cluster, so nothing is guessed.
 *
 * <p>etcd is read with the inventory's client files when it names them ({@code
 * graft_etcd_{ca,cert,key}_file}, {@code etcd.caCert…}); otherwise through an existing
 * control-plane node over SSH, with the etcd client certificate its kube-apiserver uses, so that
 * no key leaves its node. The plan then carries those nodes ({@link EtcdSpec#through()}) and the
 * workers reach etcd the same way.
 *
 * <p>Failures are domain exceptions ({@link PlanningException}, {@link InventoryException}); the
 * REST resources and the CLI say them in their own terms.
 */
public final class ClusterObserver {
  private final Duration timeout;
  private final Predicate<String> sshFiles;

  /**
   * @param sshFiles the key and known_hosts paths this process may use to reach a control-plane
   *     node (the server's allowed roots; anywhere for the CLI, which runs as the operator)
   */
  public ClusterObserver(Duration timeout, Predicate<String> sshFiles) {
    this.timeout = timeout;
    this.sshFiles = sshFiles;
  }

  /** The inventory with its gaps filled, the cluster as it is, and where they differ. */
  public record Observation(ImportedInventory inventory, ObservedCluster observed,
      KubeadmClusterInfo kubeadm, List<PlanMessage> drift) {}

  /** kubeadm's view of the cluster and its Nodes, read once through the kubeconfig. */
  private record ClusterRead(KubeadmClusterInfo info, List<Node> nodes) {}

  private ClusterRead read(String kubeconfigPath, String content) {
    checkKubeconfig(kubeconfigPath, content);
    try (KubernetesClient kube = KubeClients.fromKubeconfig(content, timeout)) {
      return new ClusterRead(new KubeadmConfigReader(kube).read(), kube.nodes().list().getItems());
    } catch (RuntimeException e) {
      throw PlanningException.cluster("cannot read the cluster through kubeconfig " + kubeconfigPath
          + ": " + e.getMessage());
    }
  }

  /**
   * @param kubeconfigPath where the kubeconfig lies (workers use the same path)
   * @param content the kubeconfig, read by the caller (within the server's allowed roots)
   */
  public Observation observe(ImportedInventory inv, String kubeconfigPath, String content) {
    ClusterRead read = read(kubeconfigPath, content);
    KubeadmClusterInfo info = read.info();
    List<Node> nodes = read.nodes();
    List<ObservedNode> observedNodes = nodes.stream().map(KubeNodeReader::toObserved).toList();
    ImportedInventory filled = fill(inv, info, kubeconfigPath, false, observedNodes);
    ClusterSpec c = filled.cluster();
    List<EtcdMember> members;
    if (clientFilesNamed(filled) || c.etcdEndpoints().stream().allMatch(e -> e.startsWith("http://"))
        && !c.etcdEndpoints().isEmpty()) {
      members = withClientFiles(c);
    } else {
      List<NodeSpec> through = controlPlanesInCluster(c, observedNodes);
      members = throughNodes(through);
      filled = withCluster(filled, new ClusterSpec(c.name(), c.apiEndpoint(), c.kubeconfig(),
          c.kubernetesVersion(), c.podNetwork(), c.serviceCidr(), c.etcd().throughNodes(through),
          c.ssh(), c.nodes(), c.overrides()));
    }
    List<PlanMessage> drift = Drift.of(filled.cluster(), nodes, info, content);
    return new Observation(filled, new ObservedCluster(observedNodes, members), info, drift);
  }

  /** Whether the inventory names etcd client files of its own: they win over the nodes' certificate. */
  static boolean clientFilesNamed(ImportedInventory inv) {
    SourcePositions pos = inv.positions();
    return pos.clusterLine("etcd.caCert") != 0 || pos.clusterLine("etcd.clientCert") != 0
        || pos.clusterLine("etcd.clientKey") != 0;
  }

  private List<EtcdMember> withClientFiles(ClusterSpec c) {
    EtcdTls tls = c.etcdEndpoints().stream().allMatch(e -> e.startsWith("http://")) ? EtcdTls.NONE
        : new EtcdTls(c.etcd().caCert(), c.etcd().clientCert(), c.etcd().clientKey());
    try (Client etcd = EtcdMemberReader.client(c.etcdEndpoints(), tls, timeout)) {
      return new EtcdMemberReader(etcd, timeout).readMembers();
    } catch (Exception e) {
      throw PlanningException.cluster("cannot read the etcd members at " + c.etcdEndpoints() + " with"
          + " the inventory's etcd client files (" + c.etcd().clientCert() + "): " + e.getMessage()
          + "; leave graft_etcd_*_file out to read etcd through a control-plane node instead");
    }
  }

  /**
   * The inventory's control-plane nodes that the cluster has registered, SSH settings layered:
   * the nodes that hold an etcd client certificate (their kube-apiserver's).
   */
  private List<NodeSpec> controlPlanesInCluster(ClusterSpec c, List<ObservedNode> observed) {
    Set<String> registered = observed.stream().map(ObservedNode::name).collect(Collectors.toSet());
    List<NodeSpec> out = new ArrayList<>();
    for (NodeSpec n : c.nodesWith(Role.CONTROL_PLANE)) {
      if (registered.contains(n.name())) {
        out.add(new NodeSpec(n.name(), n.address(), n.ip(), n.roles(), c.sshFor(n), n.labels(),
            n.taints(), n.podCidr()));
      }
    }
    if (out.isEmpty()) {
      throw PlanningException.cluster("no control-plane node of the inventory is registered in the"
          + " cluster, so there is no node to read etcd through with its own client certificate:"
          + " list an existing control-plane node in the inventory (or name etcd client files on"
          + " this machine with graft_etcd_{ca,cert,key}_file)");
    }
    return out;
  }

  private List<EtcdMember> throughNodes(List<NodeSpec> through) {
    for (NodeSpec n : through) {
      for (String path : new String[] {n.ssh().keyRef(), n.ssh().knownHosts()}) {
        if (path != null && !sshFiles.test(path)) {
          throw PlanningException.cluster("etcd is read through " + n.name() + " over SSH, and its"
              + " SSH file " + path + " lies outside the server's paths.allowedRoots");
        }
      }
    }
    SshPoolSettings settings = SshPoolSettings.defaults();
    List<String> problems = new ArrayList<>();
    try (SshConnectionPool pool = new SshConnectionPool(settings)) {
      EtcdThroughNode etcd = EtcdThroughNode.over(new SshExecutor(pool, settings));
      for (NodeSpec via : through) {
        try {
          EtcdClusterStatus s = etcd.status(via);
          return s.members().stream().map(m -> new EtcdMember(m.name(), m.id(), m.peerUrl(),
              m.healthy(), m.learner())).toList();
        } catch (ApplicationFailure e) {
          problems.add(via.name() + ": " + e.getOriginalMessage());
        } catch (RuntimeException e) {
          problems.add(via.name() + ": " + e.getMessage());
        }
      }
    }
    throw PlanningException.cluster("cannot read the etcd members through any control-plane node ("
        + String.join("; ", problems) + ")");
  }

  /**
   * What an upgrade's planner needs: the inventory with its gaps filled (its version is the
   * cluster's: an inventory that already names the target is not a contradiction here), and every
   * Node's kubelet version and readiness. etcd is not read here: the upgrade's own pre-checks
   * check its health from a control-plane node, with that node's certificates.
   */
  public record Versions(ImportedInventory inventory, KubeadmClusterInfo kubeadm,
      List<UpgradeInput.ObservedVersion> nodes) {}

  public Versions readVersions(ImportedInventory inv, String kubeconfigPath, String content) {
    ClusterRead read = read(kubeconfigPath, content);
    KubeadmClusterInfo info = read.info();
    List<Node> nodes = read.nodes();
    ImportedInventory filled = fill(inv, info, kubeconfigPath, true,
        nodes.stream().map(KubeNodeReader::toObserved).toList());
    return new Versions(filled, info, nodes.stream().map(KubeNodeReader::toVersion).toList());
  }

  private static void checkKubeconfig(String path, String content) {
    try {
      Config.fromKubeconfig(content);
    } catch (RuntimeException e) {
      // The parser's message quotes the file; the server does not echo files it reads.
      throw PlanningException.field("kubeconfig", "\"" + path + "\" is not a kubeconfig (the"
          + " server does not echo files it reads; try `kubectl --kubeconfig " + path
          + " cluster-info` where the file is)");
    }
  }

  /** {@link #fill(ImportedInventory, KubeadmClusterInfo, String, boolean, List)} for an expansion, no Nodes. */
  public static ImportedInventory fill(ImportedInventory inv, KubeadmClusterInfo k, String kubeconfig) {
    return fill(inv, k, kubeconfig, false, List.of());
  }

  /**
   * Fills what the inventory left to defaults from what the cluster says; a value the inventory
   * sets and the cluster contradicts is an error at its line. Pure: the tests call it directly.
   *
   * @param upgrading the cluster's version wins over the inventory's (which may name the
   *     upgrade's target already)
   * @param nodes the registered Nodes: the pod CIDR size they hold is the cluster's node mask
   */
  public static ImportedInventory fill(ImportedInventory inv, KubeadmClusterInfo k, String kubeconfig,
      boolean upgrading, List<ObservedNode> nodes) {
    ClusterSpec c = inv.cluster();
    SourcePositions pos = inv.positions();
    List<InventoryError> errors = new ArrayList<>();
    List<String> notes = new ArrayList<>(inv.notes());
    String file = inv.file();

    String name = c.name();
    if (k.clusterName() != null) {
      if (name == null) {
        name = k.clusterName();
        notes.add("cluster name " + name + " from the cluster (kubeadm-config clusterName)");
      } else if (!name.equals(k.clusterName())) {
        errors.add(conflict(file, pos, "name", name, "clusterName", k.clusterName()));
      }
    }
    String endpoint = c.apiEndpoint();
    if (k.controlPlaneEndpoint() != null) {
      if (pos.clusterLine("apiEndpoint") == 0) {
        endpoint = k.controlPlaneEndpoint();
        notes.add("apiEndpoint " + endpoint + " from the cluster (kubeadm-config / cluster-info)");
      } else if (!Objects.equals(strip(endpoint), strip(k.controlPlaneEndpoint()))) {
        notes.add("the inventory's API endpoint " + endpoint + " differs from the cluster's "
            + k.controlPlaneEndpoint() + "; nodes join through the inventory's");
      }
    }
    PodNetwork pods = c.podNetwork();
    if (k.podSubnet() != null) {
      String first = k.podSubnet().split(",")[0].trim(); // dual-stack: the IPv4 block comes first
      if (pos.clusterLine("podNetwork.cidr") == 0) {
        pods = new PodNetwork(first, pods == null ? PodNetwork.DEFAULT_NODE_MASK : pods.nodeMask());
      } else if (pods != null && !first.equals(pods.cidr())) {
        errors.add(conflict(file, pos, "podNetwork.cidr", pods.cidr(), "networking.podSubnet", first));
      }
    }
    Integer mask = observedMask(nodes);
    if (mask != null && pods != null && mask != pods.nodeMask()) {
      if (pos.clusterLine("podNetwork.nodeMask") == 0) {
        pods = new PodNetwork(pods.cidr(), mask);
        notes.add("pod CIDRs of /" + mask + " per node, as the cluster's Nodes hold them");
      } else {
        errors.add(new InventoryError(file, pos.clusterLine("podNetwork.nodeMask"),
            pos.clusterFieldName("podNetwork.nodeMask"), "\"" + pods.nodeMask() + "\" contradicts the"
                + " cluster: its Nodes hold pod CIDRs of /" + mask + "; remove it to take the"
                + " cluster's value, or fix it"));
      }
    }
    String services = c.serviceCidr();
    if (k.serviceSubnet() != null) {
      String first = k.serviceSubnet().split(",")[0].trim();
      if (pos.clusterLine("serviceCidr") == 0) {
        services = first;
      } else if (!first.equals(services)) {
        errors.add(conflict(file, pos, "serviceCidr", services, "networking.serviceSubnet", first));
      }
    }
    String version = c.kubernetesVersion();
    if (k.kubernetesVersion() != null) {
      if (version == null) {
        version = k.kubernetesVersion();
      } else if (upgrading) {
        if (!version.equals(k.kubernetesVersion())) {
          notes.add("the inventory's kubernetesVersion " + version + " is not the cluster's "
              + k.kubernetesVersion() + " (kubeadm-config); the upgrade starts from the cluster's");
        }
        version = k.kubernetesVersion();
      } else if (!version.equals(k.kubernetesVersion())) {
        errors.add(conflict(file, pos, "kubernetesVersion", version, "kubernetesVersion",
            k.kubernetesVersion()));
      }
    }
    EtcdSpec etcd = c.etcd();
    if (k.etcdTopology() != null) {
      if (pos.clusterLine("etcd.topology") == 0) {
        etcd = k.etcdTopology() == EtcdTopology.STACKED ? stacked(etcd, pos)
            : new EtcdSpec(EtcdTopology.EXTERNAL,
                etcd.endpoints().isEmpty() ? k.etcdEndpoints() : etcd.endpoints(),
                setOr(pos, "etcd.caCert", etcd.caCert(), k.etcdCaFile()),
                setOr(pos, "etcd.clientCert", etcd.clientCert(), k.etcdCertFile()),
                setOr(pos, "etcd.clientKey", etcd.clientKey(), k.etcdKeyFile()));
      } else if (etcd.topology() != k.etcdTopology()) {
        errors.add(conflict(file, pos, "etcd.topology", etcd.topology().name().toLowerCase(),
            "etcd", k.etcdTopology().name().toLowerCase()));
      }
    }
    if (!errors.isEmpty()) {
      throw new InventoryException(errors);
    }
    ClusterSpec filled = new ClusterSpec(name, endpoint, kubeconfig, version, pods, services,
        etcd, c.ssh(), c.nodes(), c.overrides());
    return new ImportedInventory(inv.file(), inv.format(), filled, pos, notes);
  }

  /** The prefix length every registered pod CIDR has, or null when they have none or differ. */
  private static Integer observedMask(List<ObservedNode> nodes) {
    Set<Integer> masks = nodes.stream().map(ObservedNode::podCidr).filter(Objects::nonNull)
        .filter(p -> p.matches("[0-9.]+/[0-9]{1,2}"))
        .map(p -> Integer.parseInt(p.substring(p.indexOf('/') + 1))).collect(Collectors.toSet());
    return masks.size() == 1 ? masks.iterator().next() : null;
  }

  private static ImportedInventory withCluster(ImportedInventory inv, ClusterSpec c) {
    return new ImportedInventory(inv.file(), inv.format(), c, inv.positions(), inv.notes());
  }

  private static EtcdSpec stacked(EtcdSpec e, SourcePositions pos) {
    // Paths the inventory did not set are its format's defaults (kubespray's): stacked etcd is
    // kubeadm's, with kubeadm's paths. Paths it set (graft_etcd_*_file) are kept.
    EtcdSpec kubeadm = EtcdSpec.kubeadmDefaults();
    return new EtcdSpec(EtcdTopology.STACKED, e.endpoints(),
        setOr(pos, "etcd.caCert", e.caCert(), kubeadm.caCert()),
        setOr(pos, "etcd.clientCert", e.clientCert(), kubeadm.clientCert()),
        setOr(pos, "etcd.clientKey", e.clientKey(), kubeadm.clientKey()));
  }

  /** The inventory's value where it set the field, else {@code fallback} (when there is one). */
  private static String setOr(SourcePositions pos, String field, String inventory, String fallback) {
    return pos.clusterLine(field) != 0 || fallback == null ? inventory : fallback;
  }

  private static InventoryError conflict(String file, SourcePositions pos, String field,
      String ours, String theirsName, String theirs) {
    return new InventoryError(file, pos.clusterLine(field), pos.clusterFieldName(field),
        "\"" + ours + "\" contradicts the cluster's kubeadm-config (" + theirsName + ": " + theirs
            + "); remove it to take the cluster's value, or fix it");
  }

  private static String strip(String url) {
    return url == null ? null : url.replaceAll("/+$", "");
  }
}
