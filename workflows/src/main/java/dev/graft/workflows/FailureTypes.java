package dev.graft.workflows;

/**
 * The type of every {@code ApplicationFailure} Graft raises, in one place: workflows, activities
 * and the server name and test them by these constants. The strings are in recorded histories and
 * in what operators read: never change one. (Plan warnings and refusals carry codes of their own,
 * {@code PlanMessage.code}; those are not failure types.)
 */
public final class FailureTypes {
  private FailureTypes() {}

  // Any step: a request no retry can fix, or a worker interrupted mid-call.
  public static final String INVALID_INPUT = "InvalidInput";
  public static final String INTERRUPTED = "Interrupted";

  // SSH: trust and configuration (never retried), transport and commands (retried).
  public static final String SSH_HOST_KEY_MISMATCH = "SshHostKeyMismatch";
  public static final String SSH_HOST_KEY_UNKNOWN = "SshHostKeyUnknown";
  public static final String SSH_KEY_UNREADABLE = "SshKeyUnreadable";
  public static final String SSH_AUTH_FAILED = "SshAuthFailed";
  public static final String SSH_CONFIG_INVALID = "SshConfigInvalid";
  public static final String SSH_UNREACHABLE = "SshUnreachable";
  public static final String SSH_COMMAND_TIMEOUT = "SshCommandTimeout";
  public static final String SSH_ERROR = "SshError";
  public static final String REMOTE_COMMAND_FAILED = "RemoteCommandFailed";

  // etcd: the cluster, its members and the worker's access to them, and the quorum gate.
  public static final String ETCD_UNAVAILABLE = "EtcdUnavailable";
  public static final String ETCD_ERROR = "EtcdError";
  public static final String ETCD_TLS_UNREADABLE = "EtcdTlsUnreadable";
  public static final String ETCD_UNHEALTHY = "EtcdUnhealthy";
  public static final String ETCD_UNHEALTHY_CLUSTER = "EtcdUnhealthyCluster";
  public static final String ETCD_MEMBER_MISSING = "EtcdMemberMissing";
  public static final String ETCD_MEMBER_ID_MISMATCH = "EtcdMemberIdMismatch";
  public static final String ETCD_MEMBER_UNHEALTHY = "EtcdMemberUnhealthy";
  public static final String ETCD_MEMBER_NOT_YET_VOTER = "EtcdMemberNotYetVoter";
  public static final String ETCD_MEMBER_NOT_HEALTHY_VOTER = "EtcdMemberNotHealthyVoter";
  public static final String ETCD_LEARNER_NOT_IN_SYNC = "EtcdLearnerNotInSync";
  public static final String ETCD_LEARNER_NOT_CAUGHT_UP = "EtcdLearnerNotCaughtUp";
  public static final String QUORUM_GATE_REFUSED = "QuorumGateRefused";
  public static final String REMOVAL_LOSES_QUORUM = "RemovalLosesQuorum";

  // etcd on a host: the binary, data directory and unit Graft installs, and the apiservers' view.
  public static final String ETCD_BINARY_MISSING = "EtcdBinaryMissing";
  public static final String ETCDCTL_MISSING = "EtcdctlMissing";
  public static final String ETCD_DATA_DIR_NOT_EMPTY = "EtcdDataDirNotEmpty";
  public static final String ETCD_UNIT_MISSING = "EtcdUnitMissing";
  public static final String API_SERVER_ETCD_SERVERS_INCOMPLETE = "ApiServerEtcdServersIncomplete";
  public static final String API_SERVER_ETCD_UNREACHABLE = "ApiServerEtcdUnreachable";

  // Kubernetes API: credentials, calls, and the Node objects Graft waits on.
  public static final String KUBECONFIG_UNREADABLE = "KubeconfigUnreadable";
  public static final String KUBE_FORBIDDEN = "KubeForbidden";
  public static final String KUBE_API_ERROR = "KubeApiError";
  public static final String NODE_NOT_FOUND = "NodeNotFound";
  public static final String NODE_NOT_REGISTERED = "NodeNotRegistered";
  public static final String NODE_NOT_READY = "NodeNotReady";
  public static final String NODES_NOT_READY = "NodesNotReady";

  // Node and kubeadm: pre-checks, static pod manifests, and repairing a half-done join.
  public static final String PRECHECK_FAILED = "PrecheckFailed";
  public static final String MANIFEST_MISSING = "ManifestMissing";
  public static final String JOIN_REPAIR_REFUSED = "JoinRepairRefused";
  public static final String NODE_STILL_READY = "NodeStillReady";

  // Routing and the pod network: CIDR allocation, a node's routes, the reachability probe.
  public static final String POD_NETWORK_INVALID = "PodNetworkInvalid";
  public static final String POD_CIDR_INVALID = "PodCidrInvalid";
  public static final String POD_CIDR_CONFLICT = "PodCidrConflict";
  public static final String POD_CIDR_EXHAUSTED = "PodCidrExhausted";
  public static final String POD_CIDR_RACE = "PodCidrRace";
  public static final String POD_NETWORK_CONFLICT = "PodNetworkConflict";
  public static final String POD_NETWORK_UNREACHABLE = "PodNetworkUnreachable";
  public static final String PROBE_UNAVAILABLE = "ProbeUnavailable";

  // Packages and upgrades: the node's package manager, drains, and the end-of-upgrade check.
  public static final String UNSUPPORTED_PACKAGE_MANAGER = "UnsupportedPackageManager";
  public static final String PACKAGE_UNAVAILABLE = "PackageUnavailable";
  public static final String PACKAGE_MANAGER_LOCKED = "PackageManagerLocked";
  public static final String DRAIN_BLOCKED = "DrainBlocked";
  public static final String UPGRADE_NOT_VERIFIED = "UpgradeNotVerified";

  // Audit: the archive the cluster workflow writes when an operation ends.
  public static final String AUDIT_ARCHIVE_NOT_CONFIGURED = "AuditArchiveNotConfigured";
  public static final String AUDIT_ARCHIVE_WRITE_FAILED = "AuditArchiveWriteFailed";

  // Operator and workflow: decisions, children run as steps, and the workflows' own checks.
  public static final String INVALID_DECISION = "InvalidDecision";
  public static final String CHILD_ABORTED = "ChildAborted";
  public static final String CHILD_FAILED = "ChildFailed";
  public static final String CHILD_CANCELLED = "ChildCancelled";
  public static final String ETCD_VOTERS_NOT_AS_PLANNED = "EtcdVotersNotAsPlanned";
  public static final String REMOVAL_NOT_VERIFIED = "RemovalNotVerified";

  /** Whether {@code type} is one of the SSH types above (they all start with "Ssh"). */
  public static boolean isSsh(String type) {
    return type.startsWith("Ssh");
  }
}
