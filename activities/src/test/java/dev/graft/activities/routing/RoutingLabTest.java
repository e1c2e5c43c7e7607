package dev.graft.activities.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.activities.kube.KubeClients;
import dev.graft.activities.ssh.NodeShell;
import dev.graft.activities.ssh.SshExecutor;
import dev.graft.activities.testing.LabWorkbench;
import dev.graft.activities.testing.Prereqs;
import dev.graft.lab.Lab;
import dev.graft.lab.LabHost;
import dev.graft.lab.LabPods;
import dev.graft.lab.LabState;
import dev.graft.lab.Mutation;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.PodNetwork;
import dev.graft.workflows.model.Role;
import dev.graft.workflows.model.SshSpec;
import dev.graft.workflows.plan.Cidr;
import dev.graft.workflows.routing.NodePodCidr;
import dev.graft.workflows.routing.PairResult;
import dev.graft.workflows.routing.RoutingRequest;
import dev.graft.workflows.routing.RoutingResult;
import dev.graft.workflows.routing.RoutingWorkflow;
import dev.graft.workflows.routing.RoutingWorkflowImpl;
import dev.graft.workflows.step.ExecutionPolicy;
import dev.graft.workflows.step.OperationOutcome;
import dev.graft.workflows.step.StepState;
import dev.graft.workflows.step.StepView;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue #7's acceptance on the lab: netns hosts with real OpenSSH, real routing tables, iptables
 * and packets over the lab bridge; the Kubernetes API is the lab's stand-in. Host 1 is the
 * bootstrapped cluster, hosts 2-5 are registered as the join's register step leaves them. Every
 * host's FORWARD policy is DROP (as Docker sets it), so pods reach each other only through Graft's
 * pod-CIDR rules. The tests build on each other, in order.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RoutingLabTest {
  private static final Duration T = Duration.ofSeconds(30);
  private static final PodNetwork NET = new PodNetwork("10.244.0.0/16", 24);
  private static final List<String> RECORDED = List.of("ip", "iptables", "sysctl");
  private static final Set<String> IP_VERBS =
      Set.of(
          "add", "del", "delete", "replace", "change", "set", "flush", "append", "prepend", "exec");
  private static final Set<String> IPTABLES_CHANGES =
      Set.of(
          "-I",
          "-A",
          "-D",
          "-R",
          "-N",
          "-X",
          "-F",
          "-P",
          "-Z",
          "-E",
          "--insert",
          "--append",
          "--delete");

  private LabWorkbench bench;
  private Lab lab;
  private LabState state;
  private KubeClients kube;
  private KubernetesClient api;
  private TestWorkflowEnvironment temporal;
  private final AtomicInteger runs = new AtomicInteger();
  private final Map<String, String> podCidrs = new HashMap<>();

  @BeforeAll
  void up() throws Exception {
    Prereqs.require(
        "ping",
        Files.isExecutable(Path.of("/usr/bin/ping")) || Files.isExecutable(Path.of("/bin/ping")),
        "the verification pings (package iputils-ping)");
    bench = LabWorkbench.up("graft-routing-e2e-", 5, null);
    lab = bench.lab();
    state = bench.state();
    kube = bench.kube();
    temporal = bench.temporal();
    api = kube.forKubeconfig(state.kubeconfig());
    for (LabHost h : lab.hosts().subList(1, 5)) {
      api.nodes()
          .resource(
              new NodeBuilder()
                  .withNewMetadata()
                  .withName(h.name())
                  .addToLabels("node-role.kubernetes.io/worker", "")
                  .endMetadata()
                  .build())
          .create();
    }
    for (LabHost h : lab.hosts()) {
      h.exec(T, "iptables", "-P", "FORWARD", "DROP").orThrow(h.name() + ": FORWARD policy");
      for (String c : RECORDED) {
        lab.faults().recordInvocations(h.name(), c);
      }
    }
    SshExecutor executor = bench.executor();
    Worker worker = temporal.newWorker("graft");
    worker.registerWorkflowImplementationTypes(RoutingWorkflowImpl.class);
    worker.registerActivitiesImplementations(
        new NodeRoutingActivitiesImpl(new NodeShell(executor), executor),
        new PodNetworkApiActivitiesImpl(kube));
    temporal.start();
  }

  @AfterAll
  void down() throws Exception {
    if (bench != null) {
      bench.close();
    }
  }

  private NodeSpec node(LabHost h) {
    SshSpec ssh =
        new SshSpec("root", h.sshPort(), state.clientKey(), false, null, state.knownHosts());
    return new NodeSpec(h.name(), h.address(), null, List.of(Role.WORKER), ssh, null, null, null);
  }

  private List<LabHost> hosts(int count) {
    return lab.hosts().subList(0, count);
  }

  /** The lab pod of a host: the 10th address of its pod CIDR. */
  private String podAddress(LabHost h) {
    Cidr c = Cidr.parse(podCidrs.get(h.name()));
    return Cidr.format(c.base() + 10);
  }

  private RoutingResult route(List<LabHost> hosts, boolean verify) {
    String op = "cluster/lab/expand/r" + runs.incrementAndGet();
    Map<String, String> targets = new LinkedHashMap<>();
    if (verify) {
      hosts.forEach(h -> targets.put(h.name(), podAddress(h)));
    }
    RoutingWorkflow wf =
        temporal
            .getWorkflowClient()
            .newWorkflowStub(
                RoutingWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setTaskQueue("graft")
                    .setWorkflowId(RoutingRequest.workflowId(op))
                    .build());
    RoutingResult r =
        wf.route(
            new RoutingRequest(
                "lab",
                op,
                state.kubeconfig(),
                NET,
                hosts.stream().map(this::node).toList(),
                targets,
                3,
                verify,
                new ExecutionPolicy(2, null, null, null)));
    assertEquals(OperationOutcome.COMPLETED, r.outcome(), r.steps().toString());
    for (NodePodCidr p : r.podCidrs()) {
      if (p.podCidr() != null) {
        podCidrs.put(p.node(), p.podCidr());
      }
    }
    return r;
  }

  private static StepView step(RoutingResult r, String id) {
    return r.steps().stream()
        .filter(s -> s.id().equals(id))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no step " + id + ": " + r.steps()));
  }

  private void attachPod(LabHost h) {
    Cidr c = Cidr.parse(podCidrs.get(h.name()));
    LabPods.attach(
        h, "pod", podAddress(h) + "/" + c.prefix(), Cidr.format(c.base() + 1), NET.cidr(), "cbr0");
  }

  /** Every ordered pair of pods pings, with real packets; returns the pairs that did not. */
  private List<String> unreachablePodPairs(List<LabHost> hosts) {
    List<String> bad = new ArrayList<>();
    for (LabHost from : hosts) {
      for (LabHost to : hosts) {
        if (from != to && !LabPods.ping(from, "pod", podAddress(to))) {
          bad.add(from.name() + " -> " + to.name() + " " + podAddress(to));
        }
      }
    }
    return bad;
  }

  private Map<String, Integer> logSizes() {
    Map<String, Integer> sizes = new HashMap<>();
    lab.hosts().forEach(h -> sizes.put(h.name(), h.mutations().size()));
    return sizes;
  }

  /** The recorded ip/iptables/sysctl invocations on each host since {@code sizes} was taken. */
  private Map<String, List<Mutation>> since(Map<String, Integer> sizes) {
    Map<String, List<Mutation>> out = new LinkedHashMap<>();
    for (LabHost h : lab.hosts()) {
      List<Mutation> all = h.mutations();
      out.put(
          h.name(),
          all.subList(sizes.get(h.name()), all.size()).stream()
              .filter(m -> RECORDED.contains(m.command()))
              .toList());
    }
    return out;
  }

  /** ip add/del/replace/set…, iptables -I/-A/-D/-P…, sysctl -w/-p or key=value. */
  static boolean mutating(Mutation m) {
    List<String> words = List.of(m.args().split(" "));
    return switch (m.command()) {
      case "ip" -> words.stream().anyMatch(IP_VERBS::contains);
      case "iptables" -> words.stream().anyMatch(IPTABLES_CHANGES::contains);
      case "sysctl" ->
          words.stream()
              .anyMatch(
                  w -> w.equals("-w") || w.equals("-p") || w.equals("--system") || w.contains("="));
      default -> true;
    };
  }

  private static List<String> mutatingOf(Map<String, List<Mutation>> log) {
    List<String> out = new ArrayList<>();
    log.forEach(
        (host, ms) ->
            ms.stream()
                .filter(RoutingLabTest::mutating)
                .forEach(m -> out.add(host + ": " + m.command() + " " + m.args())));
    return out;
  }

  @Test
  @Order(1)
  void fourHostsAreRoutedAndEveryPodPairPingsOverTheLabBridge() {
    Map<String, Integer> before = logSizes();
    RoutingResult r = route(hosts(4), false);

    assertEquals("routed", r.mode());
    for (LabHost h : hosts(4)) {
      assertEquals(
          StepState.SUCCEEDED,
          step(r, "routes/" + h.name()).state(),
          step(r, "routes/" + h.name()).toString());
      assertEquals(
          podCidrs.get(h.name()),
          api.nodes().withName(h.name()).get().getSpec().getPodCIDR(),
          "spec.podCIDR recorded through the API");
      String routes = h.exec(T, "ip", "-4", "route", "show", "proto", "213").orThrow("routes");
      assertEquals(3, routes.strip().lines().count(), h.name() + ": " + routes);
      assertTrue(
          h.exec(T, "iptables", "-S", "FORWARD")
              .orThrow("rules")
              .contains(
                  "-A FORWARD -s 10.244.0.0/16 -m comment --comment graft-pod-network -j ACCEPT"));
      assertEquals("1", h.exec(T, "cat", "/proc/sys/net/ipv4/ip_forward").orThrow("fwd").strip());
      assertTrue(
          h.readFile("/etc/sysctl.d/99-graft-pod-network.conf")
              .orElse("")
              .contains("net.ipv4.ip_forward = 1"));
      assertTrue(
          h.exec(T, "systemctl", "is-enabled", "graft-pod-network.service").ok(),
          "boot unit enabled");
    }
    assertFalse(
        mutatingOf(since(before)).isEmpty(),
        "the first run changed the hosts (and the log saw it)");

    hosts(4).forEach(this::attachPod);
    assertEquals(List.of(), unreachablePodPairs(hosts(4)));

    // Graft's own verification: its probe on each node pings the lab pod on every other node.
    RoutingResult verified = route(hosts(4), true);
    assertEquals(12, verified.matrix().size(), verified.matrix().toString());
    assertTrue(
        verified.matrix().stream().allMatch(PairResult::reachable), verified.matrix().toString());
    for (LabHost h : hosts(4)) {
      String netns = h.exec(T, "ip", "netns", "list").orThrow("netns");
      assertFalse(
          netns.contains("graft-probe"),
          "the probe namespace is gone after verification: " + netns);
      assertFalse(
          h.exec(T, "ip", "-o", "link", "show").orThrow("links").contains("graftprobe0"),
          "and its veth");
    }
  }

  @Test
  @Order(2)
  void reRunningTheRoutingStepSendsNoMutatingCommand() {
    Map<String, Integer> before = logSizes();
    RoutingResult again = route(hosts(4), false);

    Map<String, List<Mutation>> log = since(before);
    assertEquals(List.of(), mutatingOf(log), "a second run changes nothing");
    assertTrue(
        log.values().stream().mapToInt(List::size).sum() >= 4 * 5,
        "the run did look (read-only ip and iptables calls were recorded): " + log);
    assertEquals(StepState.ALREADY_SATISFIED, step(again, "allocate").state());
    for (LabHost h : hosts(4)) {
      StepView s = step(again, "routes/" + h.name());
      assertEquals(StepState.ALREADY_SATISFIED, s.state(), s.toString());
    }
  }

  @Test
  @Order(3)
  void aNodeAddedLaterGetsRoutesToAllAndAllGetARouteToIt() {
    LabHost h5 = lab.hosts().get(4);
    Map<String, Integer> before = logSizes();
    RoutingResult r = route(hosts(5), false);

    String cidr5 = podCidrs.get(h5.name());
    assertEquals("10.244.4.0/24", cidr5);
    for (LabHost h : hosts(4)) {
      StepView s = step(r, "routes/" + h.name());
      assertEquals(StepState.SUCCEEDED, s.state(), s.toString());
      assertTrue(
          s.summary()
              .endsWith(
                  "changed: wrote /etc/graft/pod-network.conf; ip route replace "
                      + cidr5
                      + " via "
                      + h5.address()
                      + " proto 213"),
          "only the config and one route change: " + s.summary());
    }
    Map<String, List<Mutation>> log = since(before);
    for (LabHost h : hosts(4)) {
      assertEquals(
          1,
          log.get(h.name()).stream().filter(RoutingLabTest::mutating).count(),
          h.name() + " got exactly one new route: " + log.get(h.name()));
    }
    assertEquals(
        4,
        h5.exec(T, "ip", "-4", "route", "show", "proto", "213")
            .orThrow("r")
            .strip()
            .lines()
            .count());
    attachPod(h5);
    assertEquals(List.of(), unreachablePodPairs(hosts(5)));
    RoutingResult verified = route(hosts(5), true);
    assertEquals(20, verified.matrix().size());
    assertTrue(
        verified.matrix().stream().allMatch(PairResult::reachable), verified.matrix().toString());
  }

  @Test
  @Order(4)
  void aRouteDeletedByHandIsRepairedByTheNextRun() {
    LabHost h2 = lab.hosts().get(1);
    LabHost h3 = lab.hosts().get(2);
    h2.exec(T, "ip", "route", "del", podCidrs.get(h3.name())).orThrow("delete by hand");
    assertFalse(LabPods.ping(h2, "pod", podAddress(h3)), "the pod on " + h3.name() + " is cut off");

    RoutingResult r = route(hosts(5), false);

    StepView repaired = step(r, "routes/" + h2.name());
    assertEquals(StepState.SUCCEEDED, repaired.state());
    assertTrue(
        repaired.summary().contains("ip route replace " + podCidrs.get(h3.name())),
        repaired.summary());
    for (LabHost h : hosts(5)) {
      if (h != h2) {
        assertEquals(StepState.ALREADY_SATISFIED, step(r, "routes/" + h.name()).state(), h.name());
      }
    }
    assertTrue(LabPods.ping(h2, "pod", podAddress(h3)));
  }

  @Test
  @Order(5)
  void routesToARemovedNodeGoAndForeignRoutesStay() {
    LabHost h1 = lab.hosts().get(0);
    LabHost h2 = lab.hosts().get(1);
    LabHost h5 = lab.hosts().get(4);
    h1.exec(T, "ip", "route", "add", "10.252.0.0/24", "via", h2.address()).orThrow("foreign route");
    h1.exec(T, "ip", "route", "add", "10.244.200.0/24", "via", h2.address(), "proto", "static")
        .orThrow("foreign");
    api.nodes().withName(h5.name()).delete();
    for (int i = 0; i < 50 && api.nodes().withName(h5.name()).get() != null; i++) {
      sleep(100);
    }

    RoutingResult r = route(hosts(4), false);

    String cidr5 = podCidrs.get(h5.name());
    for (LabHost h : hosts(4)) {
      StepView s = step(r, "routes/" + h.name());
      assertTrue(s.summary().contains("ip route del " + cidr5 + " proto 213"), s.summary());
      assertFalse(h.exec(T, "ip", "-4", "route").orThrow("r").contains(cidr5), h.name());
    }
    String routes = h1.exec(T, "ip", "-4", "route").orThrow("r");
    assertTrue(
        routes.contains("10.252.0.0/24 via " + h2.address()), "a foreign route stays: " + routes);
    assertTrue(
        routes.contains("10.244.200.0/24 via " + h2.address()),
        "even inside the pod network: " + routes);
    assertEquals(List.of(), unreachablePodPairs(hosts(4)));
  }

  @Test
  @Order(6)
  void routesForwardingAndTheBridgeComeBackAfterAReboot() {
    LabHost h1 = lab.hosts().get(0);
    String boot = lab.faults().rebootNetwork(h1.name());
    assertTrue(boot.contains("boot: started graft-pod-network.service"), boot);
    // Docker, when it starts at boot, sets the FORWARD policy to DROP again.
    h1.exec(T, "iptables", "-P", "FORWARD", "DROP").orThrow("policy");

    assertEquals(
        3,
        h1.exec(T, "ip", "-4", "route", "show", "proto", "213")
            .orThrow("r")
            .strip()
            .lines()
            .count());
    assertTrue(
        h1.exec(T, "ip", "-o", "-4", "addr", "show", "dev", "cbr0")
            .orThrow("cbr0")
            .contains(podCidrs.get(h1.name()).replace(".0/24", ".1/24")));
    assertEquals("1", h1.exec(T, "cat", "/proc/sys/net/ipv4/ip_forward").orThrow("fwd").strip());
    attachPod(h1);
    assertEquals(List.of(), unreachablePodPairs(hosts(4)));

    RoutingResult r = route(hosts(4), false);
    assertEquals(
        StepState.ALREADY_SATISFIED,
        step(r, "routes/" + h1.name()).state(),
        "the boot restored everything Graft would have done");
  }

  @Test
  @Order(7)
  void aClusterRunningCalicoIsLeftToItAndGraftSaysSo() {
    api.apps()
        .daemonSets()
        .inNamespace("kube-system")
        .resource(
            new DaemonSetBuilder()
                .withNewMetadata()
                .withName("calico-node")
                .withNamespace("kube-system")
                .endMetadata()
                .withNewSpec()
                .withNewTemplate()
                .withNewMetadata()
                .addToLabels("k8s-app", "calico-node")
                .endMetadata()
                .endTemplate()
                .endSpec()
                .build())
        .create();
    try {
      Map<String, Integer> before = logSizes();
      RoutingResult r = route(hosts(4), false);
      assertEquals("cni:calico", r.mode());
      assertTrue(r.note().contains("DaemonSet kube-system/calico-node"), r.note());
      assertTrue(r.note().contains("skips route programming"), r.note());
      assertTrue(r.steps().stream().noneMatch(s -> s.id().startsWith("routes/")));
      assertTrue(since(before).values().stream().allMatch(List::isEmpty), "no command on any node");
    } finally {
      api.apps().daemonSets().inNamespace("kube-system").withName("calico-node").delete();
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
