package dev.graft.activities.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.activities.kube.KubeClients;
import dev.graft.lab.standin.ApiStandin;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.PodNetwork;
import dev.graft.workflows.model.Role;
import dev.graft.workflows.routing.AllocationRequest;
import dev.graft.workflows.routing.AllocationResult;
import dev.graft.workflows.routing.ClusterRequest;
import dev.graft.workflows.routing.CniDetection;
import dev.graft.workflows.routing.NodePodCidr;
import dev.graft.workflows.routing.PodNetworkApiActivities;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pod CIDR allocation and CNI detection against the lab's API stand-in (the fabric8 CRUD mock
 * behind TLS, which refuses to change a Node's podCIDR once set, as kube-apiserver does).
 */
class PodNetworkApiActivitiesTest {
  private static final PodNetwork NET = new PodNetwork("10.244.0.0/16", 24);
  @TempDir static Path dir;
  static ApiStandin api;
  static KubernetesClient kube;
  static KubeClients clients;
  TestActivityEnvironment env;
  PodNetworkApiActivities activities;

  @BeforeAll
  static void start() throws Exception {
    api = ApiStandin.start(ApiStandin.Options.loopback(dir));
    clients = new KubeClients(Duration.ofSeconds(10));
    kube = clients.forKubeconfig(api.adminKubeconfig().toString());
  }

  @AfterAll
  static void stop() {
    clients.close();
    api.close();
  }

  @BeforeEach
  void activityEnv() {
    env = TestActivityEnvironment.newInstance();
    env.registerActivitiesImplementations(new PodNetworkApiActivitiesImpl(clients));
    activities =
        env.newActivityStub(
            PodNetworkApiActivities.class,
            ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofSeconds(30))
                .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
                .build());
  }

  @AfterEach
  void clean() {
    env.close();
    kube.nodes().delete();
    kube.apps().daemonSets().inAnyNamespace().delete();
    kube.pods().inAnyNamespace().delete();
  }

  private static void register(String name, String podCidr, String internalIp) {
    NodeBuilder b = new NodeBuilder().withNewMetadata().withName(name).endMetadata();
    if (podCidr != null) {
      b.withNewSpec().withPodCIDR(podCidr).endSpec();
    }
    kube.nodes().resource(b.build()).create();
    if (internalIp != null) {
      kube.nodes()
          .withName(name)
          .editStatus(
              n ->
                  new NodeBuilder(n)
                      .editOrNewStatus()
                      .addNewAddress()
                      .withType("InternalIP")
                      .withAddress(internalIp)
                      .endAddress()
                      .endStatus()
                      .build());
    }
  }

  private static NodeSpec spec(String name, String address, String podCidr) {
    return new NodeSpec(name, address, null, List.of(Role.WORKER), null, null, null, podCidr);
  }

  private AllocationResult allocate(PodNetwork net, NodeSpec... nodes) {
    return activities.allocate(
        new AllocationRequest("lab", api.adminKubeconfig().toString(), net, List.of(nodes)));
  }

  private static String cidr(String name) {
    Node n = node(name);
    return n.getSpec() == null ? null : n.getSpec().getPodCIDR();
  }

  private static Node node(String name) {
    return kube.nodes().withName(name).get();
  }

  @Test
  void newNodesGetFreeBlocksRecordedInTheApiAndExistingOnesKeepTheirs() {
    register("n1", "10.244.0.0/24", "10.0.0.1");
    register("n2", null, null);
    register("n3", null, "10.0.0.3");
    register("n4", null, null); // registered but not routed by Graft: left without a block

    AllocationResult r =
        allocate(
            NET,
            spec("n1", "10.0.0.1", null),
            spec("n2", "10.0.0.2", null),
            spec("n3", "n3.example", null));

    assertFalse(r.alreadySatisfied());
    assertEquals("10.244.1.0/24", node("n2").getSpec().getPodCIDR());
    assertEquals(List.of("10.244.1.0/24"), node("n2").getSpec().getPodCIDRs());
    assertEquals("10.244.2.0/24", node("n3").getSpec().getPodCIDR());
    assertEquals("10.244.0.0/24", node("n1").getSpec().getPodCIDR());
    assertNull(cidr("n4"));
    Map<String, NodePodCidr> by = new java.util.TreeMap<>();
    r.nodes().forEach(n -> by.put(n.node(), n));
    assertEquals(List.of("n1", "n2", "n3", "n4"), List.copyOf(by.keySet()));
    assertFalse(by.get("n1").allocatedNow());
    assertTrue(by.get("n2").allocatedNow());
    assertEquals(
        "10.0.0.3", by.get("n3").nodeIp(), "a host name address routes via the InternalIP");
    assertNull(by.get("n4").podCidr());

    AllocationResult again =
        allocate(
            NET,
            spec("n1", "10.0.0.1", null),
            spec("n2", "10.0.0.2", null),
            spec("n3", "n3.example", null));
    assertTrue(again.alreadySatisfied(), again.summary());
    assertEquals(
        r.nodes(),
        again.nodes().stream()
            .map(
                n ->
                    new NodePodCidr(
                        n.node(), n.nodeIp(), n.podCidr(), by.get(n.node()).allocatedNow()))
            .toList());
  }

  @Test
  void theInventorysBlockIsUsedWhenFreeAndNeverOverridesTheApi() {
    register("a", "10.244.9.0/24", null);
    register("b", null, null);
    AllocationResult r =
        allocate(
            NET, spec("a", "10.0.0.1", "10.244.1.0/24"), spec("b", "10.0.0.2", "10.244.7.0/24"));
    assertEquals(
        "10.244.9.0/24", node("a").getSpec().getPodCIDR(), "a block once set never changes");
    assertEquals("10.244.7.0/24", node("b").getSpec().getPodCIDR());
    assertTrue(r.summary().contains("a keeps 10.244.9.0/24"), r.summary());
  }

  @Test
  void exhaustionFailsBeforeAnyNodeIsChanged() {
    register("x1", "10.244.0.0/24", null);
    register("x2", null, null);
    register("x3", null, null);
    ActivityFailure f =
        assertThrows(
            ActivityFailure.class,
            () ->
                allocate(
                    new PodNetwork("10.244.0.0/23", 24),
                    spec("x1", "10.0.0.1", null),
                    spec("x2", "10.0.0.2", null),
                    spec("x3", "10.0.0.3", null)));
    ApplicationFailure cause = (ApplicationFailure) f.getCause();
    assertEquals("PodCidrExhausted", cause.getType());
    assertTrue(cause.isNonRetryable());
    assertNull(cidr("x2"), "x2 could have had the free block, but nothing changes");
    assertNull(cidr("x3"));
  }

  @Test
  void anUnregisteredNodeIsRefused() {
    register("r1", null, null);
    ActivityFailure f =
        assertThrows(
            ActivityFailure.class,
            () -> allocate(NET, spec("r1", "10.0.0.1", null), spec("ghost", "10.0.0.9", null)));
    assertEquals("NodeNotRegistered", ((ApplicationFailure) f.getCause()).getType());
    assertNull(cidr("r1"));
  }

  @Test
  void calicoFlannelAndCiliumAreFoundByTheirDaemonSetsOrPodLabels() {
    ClusterRequest req = new ClusterRequest("lab", api.adminKubeconfig().toString());
    assertFalse(activities.detectCni(req).found());

    kube.apps()
        .daemonSets()
        .inNamespace("kube-system")
        .resource(
            new DaemonSetBuilder()
                .withNewMetadata()
                .withName("kube-proxy")
                .withNamespace("kube-system")
                .endMetadata()
                .withNewSpec()
                .withNewTemplate()
                .withNewMetadata()
                .addToLabels("k8s-app", "kube-proxy")
                .endMetadata()
                .endTemplate()
                .endSpec()
                .build())
        .create();
    assertFalse(activities.detectCni(req).found(), "kube-proxy is not a CNI");

    kube.apps()
        .daemonSets()
        .inNamespace("kube-flannel")
        .resource(
            new DaemonSetBuilder()
                .withNewMetadata()
                .withName("kube-flannel-ds")
                .withNamespace("kube-flannel")
                .endMetadata()
                .withNewSpec()
                .withNewTemplate()
                .withNewMetadata()
                .addToLabels("app", "flannel")
                .endMetadata()
                .endTemplate()
                .endSpec()
                .build())
        .create();
    CniDetection flannel = activities.detectCni(req);
    assertEquals("flannel", flannel.cni());
    assertEquals("DaemonSet kube-flannel/kube-flannel-ds", flannel.evidence());
    assertTrue(flannel.summary().contains("skips route programming"), flannel.summary());
    kube.apps().daemonSets().inAnyNamespace().delete();

    kube.pods()
        .inNamespace("kube-system")
        .resource(
            new PodBuilder()
                .withNewMetadata()
                .withName("cilium-x7k2p")
                .withNamespace("kube-system")
                .addToLabels("k8s-app", "cilium")
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("agent")
                .withImage("cilium")
                .endContainer()
                .endSpec()
                .build())
        .create();
    CniDetection cilium = activities.detectCni(req);
    assertEquals("cilium", cilium.cni());
    assertTrue(cilium.evidence().contains("kube-system/cilium-x7k2p"), cilium.evidence());
  }
}
