package dev.graft.workflows.expand;

import dev.graft.workflows.etcd.ApiServerRequest;
import dev.graft.workflows.etcd.CatchUpRequest;
import dev.graft.workflows.etcd.EndpointHealth;
import dev.graft.workflows.etcd.EtcdActivities;
import dev.graft.workflows.etcd.EtcdClusterStatus;
import dev.graft.workflows.etcd.EtcdHostActivities;
import dev.graft.workflows.etcd.EtcdHostRequest;
import dev.graft.workflows.etcd.GateRequest;
import dev.graft.workflows.etcd.GateResult;
import dev.graft.workflows.etcd.HealthResult;
import dev.graft.workflows.etcd.MemberRequest;
import dev.graft.workflows.etcd.MemberResult;
import dev.graft.workflows.etcd.MoveLeaderRequest;
import dev.graft.workflows.etcd.RepairRequest;
import dev.graft.workflows.step.StepOutcome;
import io.temporal.activity.Activity;
import io.temporal.failure.ApplicationFailure;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * The stacked etcd of {@link FakeFleet}'s cluster, as the expansion's etcd stage sees it: the
 * quorum gate, kubeadm's member (a control-plane join adds it), the verification. The fixtures'
 * cluster starts with node1's member. External etcd is not faked here (EtcdGrowthWorkflowTest's
 * FakeEtcd covers it): those calls throw.
 */
public final class FakeStackedEtcd implements EtcdActivities, EtcdHostActivities {
  /** Voters by node name. */
  public final Set<String> voters = ConcurrentHashMap.newKeySet();

  private final Consumer<String> record;
  private final BiConsumer<String, String> maybeFail;

  FakeStackedEtcd(Consumer<String> record, BiConsumer<String, String> maybeFail) {
    this.record = record;
    this.maybeFail = maybeFail;
    voters.add("node1");
  }

  private static int attempt() {
    return Activity.getExecutionContext().getInfo().getAttempt();
  }

  @Override
  public GateResult gate(GateRequest request) {
    record.accept("etcd-gate " + request.node());
    maybeFail.accept("etcd-gate", request.node());
    boolean voter = voters.contains(request.node());
    return new GateResult(
        voter, voter ? "already a voter" : "quorum holds", "", attempt(), List.of(), List.of());
  }

  @Override
  public StepOutcome verifyVoter(MemberRequest request) {
    record.accept("verify-voter " + request.name());
    maybeFail.accept("verify-voter", request.name());
    if (!voters.contains(request.name())) {
      throw ApplicationFailure.newFailure(
          request.name() + " has no etcd member", "EtcdMemberNotHealthyVoter");
    }
    return StepOutcome.did(request.name() + " is a healthy voter", "", attempt());
  }

  @Override
  public HealthResult verifyHealthy(dev.graft.workflows.etcd.ClusterRequest request) {
    record.accept("etcd-health " + voters.size());
    List<String> urls = voters.stream().sorted().map(n -> "https://" + n + ":2379").toList();
    return new HealthResult(false, urls.size() + " healthy voters", urls, "", attempt());
  }

  @Override
  public StepOutcome verifyApiServers(ApiServerRequest request) {
    record.accept("verify-apiservers " + request.controlPlanes().size());
    return StepOutcome.did("apiservers reach etcd", "", attempt());
  }

  // External etcd is not faked here (EtcdGrowthWorkflowTest's FakeEtcd covers it).

  @Override
  public EtcdClusterStatus status(dev.graft.workflows.etcd.ClusterRequest request) {
    throw new UnsupportedOperationException("external etcd is not faked by FakeFleet");
  }

  @Override
  public List<EndpointHealth> health(dev.graft.workflows.etcd.ClusterRequest request) {
    throw new UnsupportedOperationException("external etcd is not faked by FakeFleet");
  }

  @Override
  public StepOutcome repair(RepairRequest request) {
    record.accept("etcd-repair " + request.ownedPeerUrls());
    return StepOutcome.alreadyDone("nothing stale", "", attempt());
  }

  @Override
  public MemberResult addLearner(MemberRequest request) {
    throw new UnsupportedOperationException("external etcd is not faked by FakeFleet");
  }

  @Override
  public StepOutcome awaitCaughtUp(CatchUpRequest request) {
    throw new UnsupportedOperationException("external etcd is not faked by FakeFleet");
  }

  @Override
  public StepOutcome promote(MemberRequest request) {
    throw new UnsupportedOperationException("external etcd is not faked by FakeFleet");
  }

  @Override
  public StepOutcome remove(MemberRequest request) {
    throw new UnsupportedOperationException("external etcd is not faked by FakeFleet");
  }

  @Override
  public StepOutcome moveLeader(MoveLeaderRequest request) {
    throw new UnsupportedOperationException("external etcd is not faked by FakeFleet");
  }

  @Override
  public StepOutcome issueCertificates(EtcdHostRequest request) {
    throw new UnsupportedOperationException("external etcd is not faked by FakeFleet");
  }

  @Override
  public StepOutcome install(EtcdHostRequest request) {
    throw new UnsupportedOperationException("external etcd is not faked by FakeFleet");
  }

  @Override
  public StepOutcome start(EtcdHostRequest request) {
    throw new UnsupportedOperationException("external etcd is not faked by FakeFleet");
  }

  @Override
  public StepOutcome stopAndClean(EtcdHostRequest request) {
    throw new UnsupportedOperationException("external etcd is not faked by FakeFleet");
  }

  @Override
  public StepOutcome updateApiServers(ApiServerRequest request) {
    throw new UnsupportedOperationException("external etcd is not faked by FakeFleet");
  }
}
