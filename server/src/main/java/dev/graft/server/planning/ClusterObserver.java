package dev.graft.server.planning;

import dev.graft.activities.etcd.EtcdMemberReader;
import dev.graft.activities.etcd.EtcdThroughNode;
import dev.graft.activities.etcd.EtcdTls;
import dev.graft.activities.kube.KubeClients;
import dev.graft.activities.kube.KubeNodeReader;
import dev.graft.activities.kube.KubeadmClusterInfo;
import dev.graft.activities.kube.KubeadmConfigReader;
import dev.graft.activities.kube.NodeObjects;
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
import dev.graft.workflows.remove.Orphan;
import dev.graft.workflows.remove.Orphans;
import dev.graft.workflows.upgrade.UpgradeInput;
import io.etcd.jetcd.Client;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
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
 * control-plane node over SSH, with the etcd client certificate its kube-apiserver uses, so that no
 * key leaves its node. The plan then carries those nodes ({@link EtcdSpec#through()}) and the
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
  public record Observation(
      ImportedInventory inventory,
      ObservedCluster observed,
      KubeadmClusterInfo kubeadm,
      List<PlanMessage> drift,
      List<String> ready,
      String leaderId) {
    /**
     * What earlier changes left behind (the pre-check every plan runs), as plan warnings: see
     * {@link ClusterObserver#orphanWarnings}. Nodes in {@code removing} are the operation's own
     * work.
     */
    public List<PlanMessage> orphanWarnings(Collection<String> removing) {
      return ClusterObserver.orphanWarnings(inventory, observed, ready, removing);
    }
  }

  /**
   * The orphan pre-check: learners, members without a Node, Nodes without a host, each with its
   * proposed step. Half-joined hosts need a look at the hosts; the workflows' own pre-checks do
   * that.
   */
  static List<PlanMessage> orphanWarnings(
      ImportedInventory inv,
      ObservedCluster observed,
      List<String> ready,
      Collection<String> removing) {
    return Orphans.find(
            inv.cluster().nodes(),
            observed.nodes(),
            ready,
            observed.etcdMembers(),
            Map.of(),
            removing)
        .stream()
        .map(Orphan::asWarning)
        .toList();
  }

  /** kubeadm's view of the cluster and its Nodes, read once through the kubeconfig. */
  private record ClusterRead(KubeadmClusterInfo info, List<Node> nodes) {
    List<ObservedNode> observed() {
      return nodes.stream().map(KubeNodeReader::toObserved).toList();
    }
  }

  private ClusterRead read(String kubeconfigPath, String content) {
    checkKubeconfig(kubeconfigPath, content);
    try (KubernetesClient kube = KubeClients.fromKubeconfig(content, timeout)) {
      return new ClusterRead(new KubeadmConfigReader(kube).read(), kube.nodes().list().getItems());
    } catch (RuntimeException e) {
      throw PlanningException.cluster(
          "cannot read the cluster through kubeconfig " + kubeconfigPath + ": " + e.getMessage());
    }
  }

  /**
   * @param kubeconfigPath where the kubeconfig lies (workers use the same path)
   * @param content the kubeconfig, read by the caller (within the server's allowed roots)
   */
  public Observation observe(ImportedInventory inv, String kubeconfigPath, String content) {
    ClusterRead read = read(kubeconfigPath, content);
    List<ObservedNode> observedNodes = read.observed();
    Members members =
        members(fill(inv, read.info(), kubeconfigPath, false, observedNodes), observedNodes);
    ImportedInventory filled = members.inventory();
    List<PlanMessage> drift = Drift.of(filled.cluster(), read.nodes(), read.info(), content);
    return new Observation(
        filled,
        new ObservedCluster(observedNodes, members.status().members()),
        read.info(),
        drift,
        ready(read.nodes()),
        members.status().leaderId());
  }

  /** The etcd members and their leader, and the inventory as it says how they were reached. */
  private record Members(ImportedInventory inventory, Etcd status) {}

  /** etcd's members and the leader most answering members see (hex; null when none answers). */
  private record Etcd(List<EtcdMember> members, String leaderId) {}

  /**
   * Reads the members with the inventory's client files when it names them (or etcd speaks plain
   * http), else through a registered control-plane node with that node's own certificate.
   */
  private Members members(ImportedInventory filled, List<ObservedNode> observedNodes) {
    ClusterSpec c = filled.cluster();
    if (readableFromHere(filled)) {
      return new Members(filled, withClientFiles(c));
    }
    List<NodeSpec> through = controlPlanesInCluster(c, observedNodes);
    Etcd members = throughNodes(through);
    return new Members(
        withCluster(
            filled,
            new ClusterSpec(
                c.name(),
                c.apiEndpoint(),
                c.kubeconfig(),
                c.kubernetesVersion(),
                c.podNetwork(),
                c.serviceCidr(),
                c.etcd().throughNodes(through),
                c.ssh(),
                c.nodes(),
                c.overrides())),
        members);
  }

  /**
   * etcd is read from this process: the inventory names client files, or etcd speaks plain http.
   */
  private static boolean readableFromHere(ImportedInventory inv) {
    List<String> endpoints = inv.cluster().etcdEndpoints();
    return clientFilesNamed(inv)
        || !endpoints.isEmpty() && endpoints.stream().allMatch(e -> e.startsWith("http://"));
  }

  /** The names of the Nodes whose Ready condition is True. */
  private static List<String> ready(List<Node> nodes) {
    return nodes.stream()
        .filter(n -> "Ready".equals(NodeObjects.readiness(n)))
        .map(n -> n.getMetadata().getName())
        .toList();
  }

  /**
   * Whether the inventory names etcd client files of its own: they win over the nodes' certificate.
   */
  static boolean clientFilesNamed(ImportedInventory inv) {
    SourcePositions pos = inv.positions();
    return pos.clusterLine("etcd.caCert") != 0
        || pos.clusterLine("etcd.clientCert") != 0
        || pos.clusterLine("etcd.clientKey") != 0;
  }

  private Etcd withClientFiles(ClusterSpec c) {
    EtcdTls tls =
        c.etcdEndpoints().stream().allMatch(e -> e.startsWith("http://"))
            ? EtcdTls.NONE
            : new EtcdTls(c.etcd().caCert(), c.etcd().clientCert(), c.etcd().clientKey());
    try (Client etcd = EtcdMemberReader.client(c.etcdEndpoints(), tls, timeout)) {
      List<EtcdMember> members = new EtcdMemberReader(etcd, timeout).readMembers();
      return new Etcd(members, leader(etcd, members));
    } catch (Exception e) {
      throw PlanningException.cluster(
          "cannot read the etcd members at "
              + c.etcdEndpoints()
              + " with"
              + " the inventory's etcd client files ("
              + c.etcd().clientCert()
              + "): "
              + e.getMessage()
              + "; leave graft_etcd_*_file out to read etcd through a control-plane node instead");
    }
  }

  /**
   * The inventory's control-plane nodes that the cluster has registered, SSH settings layered: the
   * nodes that hold an etcd client certificate (their kube-apiserver's).
   */
  private List<NodeSpec> controlPlanesInCluster(ClusterSpec c, List<ObservedNode> observed) {
    Set<String> registered = observed.stream().map(ObservedNode::name).collect(Collectors.toSet());
    List<NodeSpec> out = new ArrayList<>();
    for (NodeSpec n : c.nodesWith(Role.CONTROL_PLANE)) {
      if (registered.contains(n.name())) {
        out.add(
            new NodeSpec(
                n.name(),
                n.address(),
                n.ip(),
                n.roles(),
                c.sshFor(n),
                n.labels(),
                n.taints(),
                n.podCidr()));
      }
    }
    if (out.isEmpty()) {
      throw PlanningException.cluster(
          "no control-plane node of the inventory is registered in the"
              + " cluster, so there is no node to read etcd through with its own client certificate:"
              + " list an existing control-plane node in the inventory (or name etcd client files on"
              + " this machine with graft_etcd_{ca,cert,key}_file)");
    }
    return out;
  }

  /**
   * The leader most answering members see (hex), or null when none answers: each started voter is
   * asked on kubeadm's client port at its peer host.
   */
  private String leader(Client etcd, List<EtcdMember> members) {
    Map<String, Integer> votes = new HashMap<>();
    for (EtcdMember m : members) {
      String url =
          m.peerHost() == null
                  || m.learner()
                  || m.name() == null
                  || m.name().isEmpty()
                  || !m.healthy()
              ? null
              : (m.peerUrl().startsWith("http://") ? "http://" : "https://")
                  + m.peerHost()
                  + ":"
                  + EtcdSpec.CLIENT_PORT;
      if (url == null) {
        continue;
      }
      try {
        long l =
            etcd.getMaintenanceClient()
                .statusMember(url)
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .getLeader();
        if (l != 0) {
          votes.merge(Long.toHexString(l), 1, Integer::sum);
        }
      } catch (Exception e) {
        // this member did not answer: the others decide
      }
    }
    return votes.entrySet().stream()
        .max(Map.Entry.comparingByValue())
        .map(Map.Entry::getKey)
        .orElse(null);
  }

  private Etcd throughNodes(List<NodeSpec> through) {
    for (NodeSpec n : through) {
      for (String path : new String[] {n.ssh().keyRef(), n.ssh().knownHosts()}) {
        if (path != null && !sshFiles.test(path)) {
          throw PlanningException.cluster(
              "etcd is read through "
                  + n.name()
                  + " over SSH, and its"
                  + " SSH file "
                  + path
                  + " lies outside the server's paths.allowedRoots");
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
          return new Etcd(
              s.members().stream()
                  .map(m -> new EtcdMember(m.name(), m.id(), m.peerUrl(), m.healthy(), m.learner()))
                  .toList(),
              s.leaderId());
        } catch (ApplicationFailure e) {
          problems.add(via.name() + ": " + e.getOriginalMessage());
        } catch (RuntimeException e) {
          problems.add(via.name() + ": " + e.getMessage());
        }
      }
    }
    throw PlanningException.cluster(
        "cannot read the etcd members through any control-plane node ("
            + String.join("; ", problems)
            + ")");
  }

  /**
   * What an upgrade's planner needs: the inventory with its gaps filled (its version is the
   * cluster's: an inventory that already names the target is not a contradiction here), and every
   * Node's kubelet version and readiness. etcd is not read here: the upgrade's own pre-checks check
   * its health from a control-plane node, with that node's certificates.
   */
  public record Versions(
      ImportedInventory inventory,
      KubeadmClusterInfo kubeadm,
      List<UpgradeInput.ObservedVersion> nodes,
      List<PlanMessage> orphans) {}

  /**
   * Also runs the orphan pre-check: Nodes without a host always; etcd's learners and members
   * without a Node only when etcd is read from here without SSH (the inventory names client files,
   * or etcd speaks plain http), an etcd that does not answer then said as a warning. Otherwise the
   * upgrade's own pre-check ({@code precheck/etcd}, from a control-plane node) refuses a learner or
   * an unhealthy member before anything changes.
   */
  public Versions readVersions(ImportedInventory inv, String kubeconfigPath, String content) {
    ClusterRead read = read(kubeconfigPath, content);
    List<ObservedNode> observedNodes = read.observed();
    ImportedInventory filled = fill(inv, read.info(), kubeconfigPath, true, observedNodes);
    List<EtcdMember> members = List.of();
    List<PlanMessage> orphans = new ArrayList<>();
    try {
      if (readableFromHere(filled)) {
        members = withClientFiles(filled.cluster()).members();
      }
    } catch (PlanningException e) {
      orphans.add(
          new PlanMessage(
              "orphans-etcd-unread",
              null,
              "etcd's members were not read for the orphan"
                  + " pre-check ("
                  + e.getMessage()
                  + "); the upgrade's precheck/etcd reads etcd from a control-plane node"));
    }
    orphans.addAll(
        orphanWarnings(
            filled, new ObservedCluster(observedNodes, members), ready(read.nodes()), List.of()));
    return new Versions(
        filled,
        read.info(),
        read.nodes().stream().map(KubeNodeReader::toVersion).toList(),
        orphans);
  }

  private static void checkKubeconfig(String path, String content) {
    try {
      Config.fromKubeconfig(content);
    } catch (RuntimeException e) {
      // The parser's message quotes the file; the server does not echo files it reads.
      throw PlanningException.field(
          "kubeconfig",
          "\""
              + path
              + "\" is not a kubeconfig (the"
              + " server does not echo files it reads; try `kubectl --kubeconfig "
              + path
              + " cluster-info` where the file is)");
    }
  }

  /**
   * {@link #fill(ImportedInventory, KubeadmClusterInfo, String, boolean, List)} for an expansion,
   * no Nodes.
   */
  public static ImportedInventory fill(
      ImportedInventory inv, KubeadmClusterInfo k, String kubeconfig) {
    return fill(inv, k, kubeconfig, false, List.of());
  }

  /**
   * Fills what the inventory left to defaults from what the cluster says; a value the inventory
   * sets and the cluster contradicts is an error at its line. Pure: the tests call it directly.
   *
   * @param upgrading the cluster's version wins over the inventory's (which may name the upgrade's
   *     target already)
   * @param nodes the registered Nodes: the pod CIDR size they hold is the cluster's node mask
   */
  public static ImportedInventory fill(
      ImportedInventory inv,
      KubeadmClusterInfo k,
      String kubeconfig,
      boolean upgrading,
      List<ObservedNode> nodes) {
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
        notes.add(
            "the inventory's API endpoint "
                + endpoint
                + " differs from the cluster's "
                + k.controlPlaneEndpoint()
                + "; nodes join through the inventory's");
      }
    }
    PodNetwork pods = c.podNetwork();
    if (k.podSubnet() != null) {
      String first = k.podSubnet().split(",")[0].trim(); // dual-stack: the IPv4 block comes first
      if (pos.clusterLine("podNetwork.cidr") == 0) {
        pods = new PodNetwork(first, pods == null ? PodNetwork.DEFAULT_NODE_MASK : pods.nodeMask());
      } else if (pods != null && !first.equals(pods.cidr())) {
        errors.add(
            conflict(file, pos, "podNetwork.cidr", pods.cidr(), "networking.podSubnet", first));
      }
    }
    Integer mask = observedMask(nodes);
    if (mask != null && pods != null && mask != pods.nodeMask()) {
      if (pos.clusterLine("podNetwork.nodeMask") == 0) {
        pods = new PodNetwork(pods.cidr(), mask);
        notes.add("pod CIDRs of /" + mask + " per node, as the cluster's Nodes hold them");
      } else {
        errors.add(
            new InventoryError(
                file,
                pos.clusterLine("podNetwork.nodeMask"),
                pos.clusterFieldName("podNetwork.nodeMask"),
                "\""
                    + pods.nodeMask()
                    + "\" contradicts the"
                    + " cluster: its Nodes hold pod CIDRs of /"
                    + mask
                    + "; remove it to take the"
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
          notes.add(
              "the inventory's kubernetesVersion "
                  + version
                  + " is not the cluster's "
                  + k.kubernetesVersion()
                  + " (kubeadm-config); the upgrade starts from the cluster's");
        }
        version = k.kubernetesVersion();
      } else if (!version.equals(k.kubernetesVersion())) {
        errors.add(
            conflict(
                file,
                pos,
                "kubernetesVersion",
                version,
                "kubernetesVersion",
                k.kubernetesVersion()));
      }
    }
    EtcdSpec etcd = c.etcd();
    if (k.etcdTopology() != null) {
      if (pos.clusterLine("etcd.topology") == 0) {
        etcd =
            k.etcdTopology() == EtcdTopology.STACKED
                ? stacked(etcd, pos)
                : new EtcdSpec(
                    EtcdTopology.EXTERNAL,
                    etcd.endpoints().isEmpty() ? k.etcdEndpoints() : etcd.endpoints(),
                    setOr(pos, "etcd.caCert", etcd.caCert(), k.etcdCaFile()),
                    setOr(pos, "etcd.clientCert", etcd.clientCert(), k.etcdCertFile()),
                    setOr(pos, "etcd.clientKey", etcd.clientKey(), k.etcdKeyFile()));
      } else if (etcd.topology() != k.etcdTopology()) {
        errors.add(
            conflict(
                file,
                pos,
                "etcd.topology",
                etcd.topology().name().toLowerCase(),
                "etcd",
                k.etcdTopology().name().toLowerCase()));
      }
    }
    if (!errors.isEmpty()) {
      throw new InventoryException(errors);
    }
    ClusterSpec filled =
        new ClusterSpec(
            name,
            endpoint,
            kubeconfig,
            version,
            pods,
            services,
            etcd,
            c.ssh(),
            c.nodes(),
            c.overrides());
    return new ImportedInventory(inv.file(), inv.format(), filled, pos, notes);
  }

  /** The prefix length every registered pod CIDR has, or null when they have none or differ. */
  private static Integer observedMask(List<ObservedNode> nodes) {
    Set<Integer> masks =
        nodes.stream()
            .map(ObservedNode::podCidr)
            .filter(Objects::nonNull)
            .filter(p -> p.matches("[0-9.]+/[0-9]{1,2}"))
            .map(p -> Integer.parseInt(p.substring(p.indexOf('/') + 1)))
            .collect(Collectors.toSet());
    return masks.size() == 1 ? masks.iterator().next() : null;
  }

  private static ImportedInventory withCluster(ImportedInventory inv, ClusterSpec c) {
    return new ImportedInventory(inv.file(), inv.format(), c, inv.positions(), inv.notes());
  }

  private static EtcdSpec stacked(EtcdSpec e, SourcePositions pos) {
    // Paths the inventory did not set are its format's defaults (kubespray's): stacked etcd is
    // kubeadm's, with kubeadm's paths. Paths it set (graft_etcd_*_file) are kept.
    EtcdSpec kubeadm = EtcdSpec.kubeadmDefaults();
    return new EtcdSpec(
        EtcdTopology.STACKED,
        e.endpoints(),
        setOr(pos, "etcd.caCert", e.caCert(), kubeadm.caCert()),
        setOr(pos, "etcd.clientCert", e.clientCert(), kubeadm.clientCert()),
        setOr(pos, "etcd.clientKey", e.clientKey(), kubeadm.clientKey()));
  }

  /** The inventory's value where it set the field, else {@code fallback} (when there is one). */
  private static String setOr(
      SourcePositions pos, String field, String inventory, String fallback) {
    return pos.clusterLine(field) != 0 || fallback == null ? inventory : fallback;
  }

  private static InventoryError conflict(
      String file,
      SourcePositions pos,
      String field,
      String ours,
      String theirsName,
      String theirs) {
    return new InventoryError(
        file,
        pos.clusterLine(field),
        pos.clusterFieldName(field),
        "\""
            + ours
            + "\" contradicts the cluster's kubeadm-config ("
            + theirsName
            + ": "
            + theirs
            + "); remove it to take the cluster's value, or fix it");
  }

  private static String strip(String url) {
    return url == null ? null : url.replaceAll("/+$", "");
  }
}
