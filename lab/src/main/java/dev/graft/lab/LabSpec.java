package dev.graft.lab;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What to bring up. {@code slot} chooses the netns address block (null: the first free one, see
 * {@link AddressPlan}). {@code stateDir} null means a fresh /tmp/graft-lab-&lt;id&gt;. {@code
 * bootstrap} makes host 1 an existing cluster (API stand-in in this JVM, stand-ins on every host,
 * `kubeadm init` played on host 1); {@code nodeMonitorGracePeriod} is then the API stand-in's
 * --node-monitor-grace-period (how long after the last kubelet heartbeat a Node turns Unknown).
 * {@code kubernetesVersion} is the version the bootstrap's cluster runs; {@code upgradeTo}, when
 * set, makes the lab upgradable: every host gets a local apt repository of stand-in kubeadm,
 * kubelet and kubectl packages for both versions, with those of {@code kubernetesVersion} installed
 * (and held) through the host's own apt-get (netns hosts only).
 */
public record LabSpec(
    int nodes,
    LabKind kind,
    Path stateDir,
    String namePrefix,
    String clusterName,
    RolePlan roles,
    Integer slot,
    Duration startTimeout,
    List<HostCustomizer> customizers,
    boolean bootstrap,
    Duration nodeMonitorGracePeriod,
    String kubernetesVersion,
    String upgradeTo) {

  public LabSpec {
    if (nodes < 1 || nodes > AddressPlan.MAX_HOSTS) {
      throw new IllegalArgumentException(
          "--nodes must be 1.." + AddressPlan.MAX_HOSTS + ": " + nodes);
    }
    Names.hostName("name prefix", namePrefix + "1");
    Names.hostName("cluster name", clusterName);
    if (nodes < roles.minimumHosts()) {
      throw new IllegalArgumentException(
          "roles need at least " + roles.minimumHosts() + " hosts, got --nodes " + nodes);
    }
    customizers = List.copyOf(customizers);
    if (nodeMonitorGracePeriod.isNegative() || nodeMonitorGracePeriod.isZero()) {
      throw new IllegalArgumentException("node monitor grace period must be positive");
    }
    if (kubernetesVersion == null || !kubernetesVersion.matches("v\\d+\\.\\d+\\.\\d+")) {
      throw new IllegalArgumentException(
          "kubernetesVersion must look like v1.31.0: " + kubernetesVersion);
    }
    if (upgradeTo != null) {
      if (!upgradeTo.matches("v\\d+\\.\\d+\\.\\d+")) {
        throw new IllegalArgumentException("upgradeTo must look like v1.31.0: " + upgradeTo);
      }
      if (!bootstrap) {
        throw new IllegalArgumentException("upgradeTo needs the bootstrap (a cluster to upgrade)");
      }
      if (kind == LabKind.INPROCESS) {
        throw new IllegalArgumentException(
            "upgradeTo needs netns hosts: an in-process host's"
                + " apt-get and dpkg database are the machine's");
      }
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builder with the defaults of `graft lab up`. */
  public static final class Builder {
    private int nodes = 3;
    private LabKind kind = LabKind.AUTO;
    private Path stateDir;
    private String namePrefix = "k8s-node";
    private String clusterName = "lab";
    private RolePlan roles = RolePlan.DEFAULT;
    private Integer slot;
    private Duration startTimeout;
    private final List<HostCustomizer> customizers = new ArrayList<>();
    private boolean bootstrap;
    private Duration nodeMonitorGracePeriod = Duration.ofSeconds(8);
    private String kubernetesVersion = "v1.32.0";
    private String upgradeTo;

    public Builder nodes(int n) {
      this.nodes = n;
      return this;
    }

    public Builder kind(LabKind k) {
      this.kind = k;
      return this;
    }

    public Builder stateDir(Path p) {
      this.stateDir = p;
      return this;
    }

    public Builder namePrefix(String p) {
      this.namePrefix = p;
      return this;
    }

    public Builder clusterName(String n) {
      this.clusterName = n;
      return this;
    }

    public Builder roles(RolePlan r) {
      this.roles = r;
      return this;
    }

    public Builder slot(Integer s) {
      this.slot = s;
      return this;
    }

    public Builder startTimeout(Duration d) {
      this.startTimeout = d;
      return this;
    }

    public Builder customizer(HostCustomizer c) {
      this.customizers.add(c);
      return this;
    }

    /** Bootstraps host 1 as an existing kubeadm cluster (see docs/lab.md, "Bootstrap"). */
    public Builder bootstrap(boolean b) {
      this.bootstrap = b;
      return this;
    }

    public Builder nodeMonitorGracePeriod(Duration d) {
      this.nodeMonitorGracePeriod = d;
      return this;
    }

    /** The version the bootstrapped cluster (and its kubeadm and kubelet) runs. */
    public Builder kubernetesVersion(String v) {
      this.kubernetesVersion = v;
      return this;
    }

    /**
     * Packages of this version are available on every host besides those of {@link
     * #kubernetesVersion}, which are installed: a cluster that can be upgraded to it.
     */
    public Builder upgradeTo(String v) {
      this.upgradeTo = v;
      return this;
    }

    public LabSpec build() {
      Duration timeout = startTimeout != null ? startTimeout : Duration.ofSeconds(30 + nodes / 2L);
      return new LabSpec(
          nodes,
          kind,
          stateDir,
          namePrefix,
          clusterName,
          roles,
          slot,
          timeout,
          customizers,
          bootstrap,
          nodeMonitorGracePeriod,
          kubernetesVersion,
          upgradeTo);
    }
  }
}
