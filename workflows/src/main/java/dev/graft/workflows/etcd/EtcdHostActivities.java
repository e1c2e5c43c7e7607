package dev.graft.workflows.etcd;

import dev.graft.workflows.step.StepOutcome;
import io.temporal.activity.ActivityInterface;

/** What an external etcd member needs on its host, over SSH. */
@ActivityInterface(namePrefix = "EtcdHost.")
public interface EtcdHostActivities {
  /**
   * Peer and server certificates for the member: its keys are generated on its host, the requests
   * are signed by openssl on the CA host; only certificates travel. Valid ones are kept.
   */
  StepOutcome issueCertificates(EtcdHostRequest request);

  /**
   * The member's environment file and systemd unit, before it is registered; refuses a non-empty
   * data dir.
   */
  StepOutcome install(EtcdHostRequest request);

  /**
   * Writes the initial cluster and starts the unit with initial-cluster-state=existing; a running
   * member is already satisfied.
   */
  StepOutcome start(EtcdHostRequest request);

  /** Rollback: stops and disables the unit, removes its files, certificates and data dir. */
  StepOutcome stopAndClean(EtcdHostRequest request);

  /**
   * Sets --etcd-servers in every control-plane kube-apiserver manifest and checks each host reaches
   * them.
   */
  StepOutcome updateApiServers(ApiServerRequest request);

  /**
   * Read-only: every control-plane kube-apiserver lists each of {@code etcdServers} (any servers
   * when empty: stacked etcd's local member) and reaches every server it lists.
   */
  StepOutcome verifyApiServers(ApiServerRequest request);
}
