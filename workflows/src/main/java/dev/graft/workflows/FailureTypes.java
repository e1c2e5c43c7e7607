package dev.graft.workflows;

/**
 * The type of every {@code ApplicationFailure} Graft raises, in one place: workflows, activities
 * and the server name and test them by these constants. The strings are in recorded histories and
 * in what operators read: never change one.
 */
public final class FailureTypes {
  private FailureTypes() {}

  // A child workflow that stands as a step did not complete (ChildSteps).
  public static final String CHILD_ABORTED = "ChildAborted";
  public static final String CHILD_FAILED = "ChildFailed";
  public static final String CHILD_CANCELLED = "ChildCancelled";

  // Trust, configuration and input problems no retry can fix (ActivityKinds.NON_RETRYABLE).
  public static final String SSH_HOST_KEY_MISMATCH = "SshHostKeyMismatch";
  public static final String SSH_HOST_KEY_UNKNOWN = "SshHostKeyUnknown";
  public static final String SSH_KEY_UNREADABLE = "SshKeyUnreadable";
  public static final String SSH_AUTH_FAILED = "SshAuthFailed";
  public static final String SSH_CONFIG_INVALID = "SshConfigInvalid";
  public static final String INVALID_INPUT = "InvalidInput";
  public static final String PRECHECK_FAILED = "PrecheckFailed";
  public static final String KUBECONFIG_UNREADABLE = "KubeconfigUnreadable";
  public static final String KUBE_FORBIDDEN = "KubeForbidden";

  // Raised by workflows.
  public static final String INVALID_DECISION = "InvalidDecision";
  public static final String ETCD_VOTERS_NOT_AS_PLANNED = "EtcdVotersNotAsPlanned";
  public static final String REMOVAL_NOT_VERIFIED = "RemovalNotVerified";
  public static final String REMOVAL_LOSES_QUORUM = "RemovalLosesQuorum";
  public static final String UPGRADE_NOT_VERIFIED = "UpgradeNotVerified";
}
