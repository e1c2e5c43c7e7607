package dev.graft.activities.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.activities.etcd.EtcdMemberReader;
import dev.graft.activities.etcd.EtcdTls;
import dev.graft.activities.testing.LabWorkbench;
import dev.graft.lab.ExecResult;
import dev.graft.lab.HostState;
import dev.graft.lab.Lab;
import dev.graft.lab.LabState;
import dev.graft.workflows.join.HostRequest;
import dev.graft.workflows.join.JoinRequest;
import dev.graft.workflows.join.KubeadmActivities;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.Role;
import dev.graft.workflows.step.StepOutcome;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.cluster.Member;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A join that failed half-way is repaired by the next call of the join activity, decided from the
 * node and etcd: a bootstrapped netns lab (real OpenSSH, real etcd, the kubeadm stand-in made to
 * fail once after a phase wrote its files, as kubeadm fails), the activity called as Temporal calls
 * it, one attempt per call.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KubeadmJoinRepairLabTest {
  private LabWorkbench bench;
  private Lab lab;
  private LabState state;
  private TestActivityEnvironment env;
  private KubeadmActivities kubeadm;

  @BeforeAll
  void up() throws Exception {
    bench = LabWorkbench.up("graft-join-repair-", 3, null);
    lab = bench.lab();
    state = bench.state();
    env = TestActivityEnvironment.newInstance();
    env.registerActivitiesImplementations(new KubeadmActivitiesImpl(bench.shell(), bench.kube()));
    kubeadm =
        env.newActivityStub(
            KubeadmActivities.class,
            ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofMinutes(10))
                .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
                .build());
  }

  @AfterAll
  void down() throws Exception {
    if (env != null) {
      env.close();
    }
    if (bench != null) {
      bench.close();
    }
  }

  private JoinRequest request(HostState h, List<Role> roles) {
    NodeSpec cp1 = bench.node(state.hosts().get(0), List.of(Role.CONTROL_PLANE, Role.ETCD));
    boolean cp = roles.contains(Role.CONTROL_PLANE);
    return new JoinRequest(
        "lab", state.kubeconfig(), state.apiEndpoint(), bench.node(h, roles), cp ? cp1 : null);
  }

  private long joins(String host) {
    return lab.host(host).mutations("kubeadm").stream()
        .filter(m -> m.args().startsWith("join "))
        .count();
  }

  private String sh(HostState h, String script) {
    ExecResult r = lab.host(h.name()).exec(Duration.ofSeconds(20), "/bin/sh", "-c", script);
    return r.stdout().strip();
  }

  @Test
  void aWorkerWhoseJoinFailedInKubeletStartIsResetAndJoinsOnTheNextAttempt() {
    HostState h = state.hosts().get(1);
    lab.faults().recordInvocations(h.name(), "kubeadm");
    lab.faults().failJoinAfter(h.name(), "kubelet-start", 1);
    JoinRequest req = request(h, List.of(Role.WORKER));

    ActivityFailure failed = assertThrows(ActivityFailure.class, () -> kubeadm.join(req));
    assertTrue(
        String.valueOf(failed.getCause().getMessage()).contains("kubeadm join failed"),
        failed.getCause().getMessage());
    assertEquals(
        "yes",
        sh(
            h,
            "[ -f /etc/kubernetes/bootstrap-kubelet.conf ] && [ -f /etc/kubernetes/pki/ca.crt ] && echo yes"),
        "the failed join left kubeadm's files");

    StepOutcome second = kubeadm.join(req);
    assertFalse(second.alreadySatisfied(), second.toString());
    assertTrue(
        second.summary().startsWith("repaired a half-done join (kubeadm reset -f"),
        second.summary());
    assertTrue(second.summary().contains("then joined: kubeadm join succeeded"), second.summary());
    assertTrue(second.outputTail().startsWith("repaired a half-done join"), second.outputTail());
    assertEquals(2, joins(h.name()), lab.host(h.name()).mutations("kubeadm").toString());
    assertEquals(
        1,
        lab.host(h.name()).mutations("kubeadm").stream()
            .filter(m -> m.args().startsWith("reset "))
            .count());

    // Each attempt's run is kept in its own directory on the node: the failed one and the good one.
    String runs =
        sh(h, "for d in /var/lib/graft/runs/*/attempt-*; do echo \"${d##*/} $(cat $d/rc)\"; done");
    assertEquals("attempt-1 1\nattempt-2 0", runs);

    // The operation ends and prunes its runs; a later join looks at the node and finds it joined.
    assertFalse(kubeadm.pruneRuns(new HostRequest("lab", req.node())).alreadySatisfied());
    assertEquals("", sh(h, "ls /var/lib/graft/runs"));
    StepOutcome third = kubeadm.join(req);
    assertTrue(third.alreadySatisfied(), third.toString());
    assertEquals(2, joins(h.name()), "a joined node is not joined again");
  }

  @Test
  void aControlPlaneWhoseJoinFailedAfterItsLearnerWasAddedHasItRemovedAndJoins() throws Exception {
    HostState h = state.hosts().get(2);
    String peer = "https://" + h.address() + ":2380";
    lab.faults().recordInvocations(h.name(), "kubeadm");
    lab.faults().failJoinAfter(h.name(), "control-plane-join/etcd", 1);
    JoinRequest req = request(h, List.of(Role.CONTROL_PLANE, Role.ETCD));

    assertThrows(ActivityFailure.class, () -> kubeadm.join(req));
    Member half = member(peer);
    assertTrue(half != null && half.isLearner(), "the failed join left a learner: " + members());

    StepOutcome second = kubeadm.join(req);
    assertFalse(second.alreadySatisfied(), second.toString());
    assertTrue(
        second.summary().startsWith("repaired a half-done join (removed learner "),
        second.summary());
    assertTrue(second.summary().contains("kubeadm reset -f"), second.summary());
    assertEquals(2, joins(h.name()), lab.host(h.name()).mutations("kubeadm").toString());
    List<Member> after = members();
    assertEquals(2, after.size(), after.toString());
    assertTrue(after.stream().noneMatch(Member::isLearner), after.toString());
    assertFalse(member(peer).isLearner());
    assertFalse(
        Long.toHexString(half.getId()).equals(Long.toHexString(member(peer).getId())),
        "the half-added member was removed and a new one added");

    kubeadm.pruneRuns(new HostRequest("lab", req.node()));
    StepOutcome third = kubeadm.join(req);
    assertTrue(third.alreadySatisfied(), third.toString());
    assertTrue(third.summary().contains("is a started voter"), third.summary());
  }

  private Member member(String peer) throws Exception {
    return members().stream()
        .filter(m -> m.getPeerURIs().stream().anyMatch(u -> u.toString().equals(peer)))
        .findFirst()
        .orElse(null);
  }

  private List<Member> members() throws Exception {
    EtcdTls tls =
        new EtcdTls(
            state.bootstrap().etcdCaCert(),
            state.bootstrap().etcdClientCert(),
            state.bootstrap().etcdClientKey());
    try (Client c = EtcdMemberReader.client(state.etcdEndpoints(), tls, Duration.ofSeconds(5))) {
      return c.getClusterClient().listMember().get(10, TimeUnit.SECONDS).getMembers();
    }
  }
}
