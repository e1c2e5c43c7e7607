package dev.graft.server.cli.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.activities.etcd.EtcdMemberReader;
import dev.graft.activities.etcd.EtcdTls;
import dev.graft.activities.kube.KubeClients;
import dev.graft.lab.HostState;
import dev.graft.lab.Lab;
import dev.graft.lab.LabKind;
import dev.graft.lab.LabState;
import dev.graft.workflows.plan.EtcdMember;
import io.etcd.jetcd.Client;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import net.sourceforge.argparse4j.inf.Namespace;

/**
 * {@code graft lab demo upgrade}: a lab of 5 hosts at v1.30.2 with v1.31.0 packages on offer, grown
 * to 3 control planes + etcd and 2 workers by Graft's expansion (host 1 is the lab's bootstrap),
 * then upgraded to v1.31.0 through the real CLI ({@code graft upgrade --watch}) with one failure
 * injected: a PodDisruptionBudget that blocks the last worker's drain, placed once the pre-checks
 * have passed (they would refuse it). The drain parks; the demo shows what an operator sees,
 * relaxes the budget and retries the drain as an operator would, and ends with a per-node summary
 * read from the cluster and the operation.
 */
final class UpgradeDemo {
  static final int HOSTS = 5;
  static final String FROM = "v1.30.2";
  static final String TO = "v1.31.0";
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  int run(Namespace ns, PrintStream out, Path stateDir, LabKind kind) throws Exception {
    LabDemo.Started started =
        LabDemo.start(
            ns,
            out,
            stateDir,
            6,
            String.format(
                "bringing up the lab in %s: %d hosts, host 1 an existing kubeadm cluster at %s (packages of %s on offer)",
                stateDir, HOSTS, FROM, TO),
            LabDemo.demoLab(ns, stateDir, kind, HOSTS, 3)
                .kubernetesVersion(FROM)
                .upgradeTo(TO)
                .build());
    String url = started.url();
    Lab lab = started.lab();
    LabState state = lab.state();
    List<String> names = state.hosts().stream().map(HostState::name).toList();
    String inventory = state.inventoryIni();
    String worker = names.get(HOSTS - 1);

    out.printf(
        "[3/6] expanding %s to %d nodes: %s, %s (control plane + etcd), %s, %s (workers)%n",
        state.clusterName(), HOSTS, names.get(1), names.get(2), names.get(3), names.get(4));
    out.println(
        "      = ./graft expand -i "
            + inventory
            + " --kubeconfig "
            + state.kubeconfig()
            + " --watch");
    int code =
        LabDemo.cli(
            out,
            "expand",
            "-i",
            inventory,
            "--kubeconfig",
            state.kubeconfig(),
            "--watch",
            "--server",
            url);
    if (code != 0) {
      return started.end(
          ns, out, code, "the expansion did not finish; the upgrade was not started");
    }

    String requestId = "demo-" + TO.replace('.', '-');
    String id = "cluster/" + state.clusterName() + "/upgrade/" + requestId;
    out.printf(
        "[4/6] upgrading to %s: %s first (kubeadm upgrade apply), then %s, %s (kubeadm upgrade node),"
            + " then the workers one at a time%n",
        TO, names.get(0), names.get(1), names.get(2));
    out.println(
        "      injected: once the pre-checks pass, a PodDisruptionBudget (maxUnavailable 0) over a pod on "
            + worker
            + " blocks its drain (the lab's blockDrain fault)");
    out.println(
        "      = ./graft upgrade -i "
            + inventory
            + " --kubeconfig "
            + state.kubeconfig()
            + " --to "
            + TO
            + " --drain-timeout 20s --watch");
    Thread injector =
        new Thread(() -> blockDrainAfterPrechecks(lab, url, id, worker), "demo-block-drain");
    injector.setDaemon(true);
    injector.start();
    long u0 = System.nanoTime();
    code =
        LabDemo.cli(
            out,
            "upgrade",
            "-i",
            inventory,
            "--kubeconfig",
            state.kubeconfig(),
            "--to",
            TO,
            "--drain-timeout",
            "20s",
            "--request-id",
            requestId,
            "--watch",
            "--server",
            url);
    if (code == 2) {
      out.println("[5/6] the operation waits for an operator. What one sees:");
      out.println("      = ./graft status " + id);
      LabDemo.cli(out, "status", id, "--server", url);
      out.println(
          "      As the operator: relax the budget (here the demo deletes PodDisruptionBudget graft-lab/block-"
              + worker
              + "), then retry the drain.");
      lab.faults().unblockDrain(worker);
      String reason = "PDB block-" + worker + " relaxed by the operator";
      out.println(
          "      = ./graft retry "
              + id
              + " --node "
              + worker
              + " --step drain --reason '"
              + reason
              + "'");
      LabDemo.cli(
          out,
          "retry",
          id,
          "--node",
          worker,
          "--step",
          "drain",
          "--reason",
          reason,
          "--server",
          url);
      out.println("      = ./graft status " + id + " --watch");
      code = LabDemo.cli(out, "status", id, "--watch", "--server", url);
    } else {
      out.println(
          "[5/6] the drain never parked (code " + code + "): nothing for an operator to do");
    }
    double upgradeSeconds = (System.nanoTime() - u0) / 1e9;
    if (code != 0) {
      return started.end(ns, out, code, "the upgrade did not finish");
    }
    out.printf("[6/6] upgraded in %.0f s (wall, including the operator's retry)%n", upgradeSeconds);
    summary(out, url, id, state);
    auditExcerpt(out, url, id, worker);
    return started.end(ns, out, code, null);
  }

  /** Waits until the upgrade is past its pre-checks, then makes the worker's drain block. */
  private void blockDrainAfterPrechecks(Lab lab, String url, String id, String worker) {
    long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
    while (System.nanoTime() < deadline) {
      JsonNode op = get(url, id);
      if (op != null) {
        String phase = op.path("phase").asText("");
        String s = op.path("state").asText("");
        if (List.of("done", "failed", "aborted").contains(s)) {
          return;
        }
        if (!phase.isEmpty()
            && !"PRECHECKS".equalsIgnoreCase(phase)
            && !phase.toLowerCase().contains("precheck")) {
          lab.faults().blockDrain(worker);
          return;
        }
      }
      try {
        Thread.sleep(300);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** Per node: versions before and after, the node step's time; then the cluster's own word. */
  private void summary(PrintStream out, String url, String id, LabState state) throws Exception {
    JsonNode op = get(url, id);
    if (op == null) {
      out.println("      (the operation's detail could not be read)");
      return;
    }
    List<String> notReady = new ArrayList<>();
    int atTarget = 0;
    try (KubernetesClient kube =
        KubeClients.fromKubeconfig(
            Files.readString(Path.of(state.kubeconfig())), Duration.ofSeconds(10))) {
      for (HostState h : state.hosts()) {
        Node n = kube.nodes().withName(h.name()).get();
        String kubelet = n == null ? "?" : n.getStatus().getNodeInfo().getKubeletVersion();
        boolean ready =
            n != null
                && n.getStatus().getConditions().stream()
                    .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
        boolean schedulable = n != null && !Boolean.TRUE.equals(n.getSpec().getUnschedulable());
        JsonNode step = step(op.path("steps"), "node/" + h.name());
        String from = from(op, h.name());
        out.printf(
            "      %-10s %-8s %s → %s  %5.1f s  %s%s%n",
            h.name(),
            outcome(op, h.name()),
            from,
            kubelet,
            seconds(step),
            ready ? "Ready" : "NOT Ready",
            schedulable ? "" : ", cordoned");
        out.println("                 steps: " + stepTimes(op, h.name()));
        if (ready && schedulable && TO.equals(kubelet)) {
          atTarget++;
        } else {
          notReady.add(h.name());
        }
      }
    }
    out.println(
        notReady.isEmpty()
            ? "      all " + atTarget + " nodes Ready at " + TO
            : "      NOT all nodes Ready at " + TO + ": " + notReady);
    JsonNode snap = step(op.path("steps"), "etcd-snapshot");
    out.println(
        "      etcd snapshot: " + (snap == null ? "(none)" : snap.path("summary").asText()));
    etcdVoters(out, state);
  }

  /** etcd as its members say, read with the lab's client certificate: voters, learners, health. */
  private static void etcdVoters(PrintStream out, LabState state) {
    List<String> endpoints =
        state.hosts().subList(0, 3).stream().map(h -> "https://" + h.address() + ":2379").toList();
    EtcdTls tls =
        new EtcdTls(
            state.bootstrap().etcdCaCert(),
            state.bootstrap().etcdClientCert(),
            state.bootstrap().etcdClientKey());
    Duration t = Duration.ofSeconds(10);
    try (Client etcd = EtcdMemberReader.client(endpoints, tls, t)) {
      List<EtcdMember> members = new EtcdMemberReader(etcd, t).readMembers();
      long voters = members.stream().filter(m -> !m.learner()).count();
      long healthy = members.stream().filter(m -> !m.learner() && m.healthy()).count();
      out.printf(
          "      etcd: %d voters, %d healthy, %d learners (%s)%n",
          voters,
          healthy,
          members.size() - voters,
          String.join(", ", members.stream().map(EtcdMember::name).toList()));
    } catch (Exception e) {
      out.println("      etcd: could not read the members: " + e.getMessage());
    }
  }

  /**
   * The injected failure as the audit trail keeps it: the worker's drain attempts (the failed one
   * with its error) and the operator's decision that resolved it.
   */
  private void auditExcerpt(PrintStream out, String url, String id, String worker) {
    JsonNode history = get(url, id + "/history");
    if (history == null) {
      out.println("      (the audit trail could not be read)");
      return;
    }
    out.println(
        "      = ./graft history "
            + id
            + "   (the injected failure and its decision, from the audit trail)");
    DateTimeFormatter hms =
        DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());
    for (JsonNode e : history.path("entries")) {
      boolean drain =
          worker.equals(e.path("node").asText()) && e.path("step").asText().endsWith(".Drain");
      boolean decision = "decision".equals(e.path("kind").asText());
      if (!drain && !decision) {
        continue;
      }
      String at = hms.format(Instant.ofEpochMilli(e.path("atMillis").asLong()));
      if (decision) {
        out.printf(
            "      %s decision  %s %s on step %s by %s: \"%s\" (%s)%n",
            at,
            e.path("decision").asText(),
            e.path("workflowId").asText(),
            e.path("stepId").asText(),
            e.path("actor").asText(),
            e.path("reason").asText(),
            e.path("outcome").asText());
      } else {
        String detail = e.path("detail").asText("");
        out.printf(
            "      %s attempt %d of %s on %s: %s%s%n",
            at,
            e.path("attempt").asInt(),
            e.path("step").asText(),
            worker,
            e.path("outcome").asText(),
            detail.isEmpty() ? "" : " — " + clip(detail, 200));
      }
    }
  }

  private static String clip(String s, int max) {
    String one = s.replace('\n', ' ');
    return one.length() <= max ? one : one.substring(0, max) + "…";
  }

  /** The node's own steps and how long each ran, e.g. "check 0.4 s, kubeadm-package 2.0 s, …". */
  private static String stepTimes(JsonNode op, String node) {
    List<String> out = new ArrayList<>();
    for (JsonNode c : op.path("children")) {
      if (node.equals(c.path("node").asText())) {
        for (JsonNode s : c.path("steps")) {
          out.add(
              s.path("id").asText()
                  + " "
                  + String.format("%.1f s", seconds(s))
                  + (s.path("attempts").asInt(1) > 1
                      ? " (" + s.path("attempts").asInt() + " attempts)"
                      : ""));
        }
      }
    }
    return out.isEmpty() ? "(not read)" : String.join(", ", out);
  }

  private static String outcome(JsonNode op, String node) {
    for (JsonNode n : op.at("/result/nodes")) {
      if (node.equals(n.path("node").asText())) {
        return n.path("outcome").asText();
      }
    }
    return "?";
  }

  /** The kubelet version the plan found on the node before the upgrade. */
  private static String from(JsonNode op, String node) {
    List<JsonNode> planned = new ArrayList<>();
    op.at("/upgrade/controlPlanes").forEach(planned::add);
    op.at("/upgrade/workerBatches").forEach(b -> b.forEach(planned::add));
    for (JsonNode n : planned) {
      if (node.equals(n.at("/node/name").asText())) {
        return n.path("kubeletVersion").asText(FROM);
      }
    }
    return FROM;
  }

  private static JsonNode step(JsonNode steps, String id) {
    for (JsonNode s : steps) {
      if (id.equals(s.path("id").asText())) {
        return s;
      }
    }
    return null;
  }

  private static double seconds(JsonNode s) {
    if (s == null
        || s.path("startedAtMillis").asLong(0) == 0
        || s.path("endedAtMillis").asLong(0) == 0) {
      return 0;
    }
    return (s.path("endedAtMillis").asLong() - s.path("startedAtMillis").asLong()) / 1000.0;
  }

  private JsonNode get(String url, String id) {
    try {
      String path =
          "/api/v1/operations/" + URLEncoder.encode(id, StandardCharsets.UTF_8).replace("%2F", "/");
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(url + path))
                  .timeout(Duration.ofSeconds(10))
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      return null;
    }
  }
}
