package dev.graft.server.operations;

import dev.graft.activities.etcd.EtcdMemberReader;
import dev.graft.activities.etcd.EtcdTls;
import dev.graft.activities.kube.KubeClients;
import dev.graft.activities.kube.KubeNodeReader;
import dev.graft.activities.kube.KubeadmClusterInfo;
import dev.graft.activities.kube.KubeadmConfigReader;
import dev.graft.activities.kube.ObservedClusterReader;
import dev.graft.server.inventory.ImportedInventory;
import dev.graft.server.inventory.InventoryError;
import dev.graft.server.inventory.InventoryException;
import dev.graft.server.inventory.SourcePositions;
import dev.graft.workflows.model.ClusterSpec;
import dev.graft.workflows.model.EtcdSpec;
import dev.graft.workflows.model.EtcdTopology;
import dev.graft.workflows.model.PodNetwork;
import dev.graft.workflows.plan.ObservedCluster;
import dev.graft.workflows.upgrade.UpgradeInput;
import io.etcd.jetcd.Client;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A cluster Graft did not create, read through an admin kubeconfig: what kubeadm published
 * ({@code kube-system/kubeadm-config}, {@code kube-public/cluster-info}) fills the gaps the
 * inventory leaves (API endpoint, pod and service subnets, etcd topology and endpoints, version),
 * and the Nodes and etcd members are the observed state the planner starts from. Where the
 * inventory sets a value the cluster contradicts, the inventory is refused at that line: joining
 * nodes with the wrong pod or service subnet breaks the cluster, so nothing is guessed.
 */
public final class ExistingCluster {
  private final Duration timeout;

  public ExistingCluster(Duration timeout) {
    this.timeout = timeout;
  }

  /** The inventory with its gaps filled, and the cluster as it is. */
  public record Read(ImportedInventory inventory, ObservedCluster observed, KubeadmClusterInfo kubeadm) {}

  /**
   * @param kubeconfigPath where the kubeconfig lies (workers use the same path)
   * @param content the kubeconfig, read by the caller within the server's allowed roots
   */
  public Read read(ImportedInventory inv, String kubeconfigPath, String content) {
    try {
      io.fabric8.kubernetes.client.Config.fromKubeconfig(content);
    } catch (RuntimeException e) {
      // The parser's message quotes the file; the server does not echo files it reads.
      throw ApiProblem.field("kubeconfig", "\"" + kubeconfigPath + "\" is not a kubeconfig"
          + " (the server does not echo files it reads; try `kubectl --kubeconfig "
          + kubeconfigPath + " cluster-info` where the file is)");
    }
    KubeadmClusterInfo info;
    ImportedInventory filled;
    try (KubernetesClient kube = KubeClients.fromKubeconfig(content, timeout)) {
      info = new KubeadmConfigReader(kube).read();
      filled = fill(inv, info, kubeconfigPath);
    } catch (InventoryException | ApiProblem e) {
      throw e;
    } catch (RuntimeException e) {
      throw ApiProblem.of(422, "cannot read the cluster through kubeconfig " + kubeconfigPath
          + ": " + e.getMessage());
    }
    ClusterSpec c = filled.cluster();
    EtcdTls tls = c.etcdEndpoints().stream().allMatch(e -> e.startsWith("http://")) ? EtcdTls.NONE
        : new EtcdTls(c.etcd().caCert(), c.etcd().clientCert(), c.etcd().clientKey());
    try (Client etcd = EtcdMemberReader.client(c.etcdEndpoints(), tls, timeout);
        KubernetesClient kube = KubeClients.fromKubeconfig(content, timeout)) {
      ObservedCluster observed = new ObservedClusterReader(new KubeNodeReader(kube),
          new EtcdMemberReader(etcd, timeout)).read();
      return new Read(filled, observed, info);
    } catch (Exception e) {
      throw ApiProblem.of(422, "cannot read the etcd members at " + c.etcdEndpoints() + " ("
          + e.getMessage() + "); the server needs the etcd client certificate ("
          + c.etcd().clientCert() + ") and network access to etcd, as `graft plan --kubeconfig`"
          + " does");
    }
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
    try {
      io.fabric8.kubernetes.client.Config.fromKubeconfig(content);
    } catch (RuntimeException e) {
      // The parser's message quotes the file; the server does not echo files it reads.
      throw ApiProblem.field("kubeconfig", "\"" + kubeconfigPath + "\" is not a kubeconfig");
    }
    try (KubernetesClient kube = KubeClients.fromKubeconfig(content, timeout)) {
      KubeadmClusterInfo info = new KubeadmConfigReader(kube).read();
      ImportedInventory filled = fill(inv, info, kubeconfigPath, true);
      return new Versions(filled, info, new KubeNodeReader(kube).readVersions());
    } catch (InventoryException | ApiProblem e) {
      throw e;
    } catch (RuntimeException e) {
      throw ApiProblem.of(422, "cannot read the cluster through kubeconfig " + kubeconfigPath
          + ": " + e.getMessage());
    }
  }

  /**
   * Fills what the inventory left to defaults from what the cluster says; a value the inventory
   * sets and the cluster contradicts is an error at its line. Pure: the tests call it directly.
   */
  public static ImportedInventory fill(ImportedInventory inv, KubeadmClusterInfo k, String kubeconfig) {
    return fill(inv, k, kubeconfig, false);
  }

  /**
   * As {@link #fill(ImportedInventory, KubeadmClusterInfo, String)}; {@code upgrading}: the
   * cluster's version wins over the inventory's (which may name the upgrade's target already).
   */
  static ImportedInventory fill(ImportedInventory inv, KubeadmClusterInfo k, String kubeconfig,
      boolean upgrading) {
    ClusterSpec c = inv.cluster();
    SourcePositions pos = inv.positions();
    List<InventoryError> errors = new ArrayList<>();
    List<String> notes = new ArrayList<>(inv.notes());
    String file = inv.file();

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
    ClusterSpec filled = new ClusterSpec(c.name(), endpoint, kubeconfig, version, pods, services,
        etcd, c.ssh(), c.nodes(), c.overrides());
    return new ImportedInventory(inv.file(), inv.format(), filled, pos, notes);
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
