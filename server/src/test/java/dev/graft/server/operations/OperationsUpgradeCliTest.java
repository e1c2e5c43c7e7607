package dev.graft.server.operations;

import static dev.graft.server.operations.OperationsFixture.JSON;
import static dev.graft.server.operations.OperationsFixture.OPERATOR;
import static dev.graft.server.operations.OperationsFixture.inventory;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.server.operations.OperationsCliTest.Run;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code graft upgrade} end to end: the CLI in-process, the server, the cluster's versions from the
 * fabric8 mock server, the fake UpgradeWorkflow run by the cluster workflow.
 */
@EnableKubernetesMockClient(crud = true)
class OperationsUpgradeCliTest {
  static final OperationsFixture F = new OperationsFixture();
  KubernetesClient client;
  @TempDir Path dir;

  @BeforeAll
  static void start() throws Exception {
    F.start();
  }

  @AfterAll
  static void stop() throws Exception {
    F.stop();
  }

  private Run graft(String token, String... args) throws Exception {
    String[] all = new String[args.length + 2];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "--server";
    all[args.length + 1] = F.url();
    return OperationsCliTest.graftAt(token, all);
  }

  private Path[] cluster(String name, String w2) throws Exception {
    UpgradeClusters.kubeadmConfig(client, "v1.30.2");
    UpgradeClusters.node(client, "cp1", true, "v1.30.2", true);
    UpgradeClusters.node(client, "w1", false, "v1.30.2", true);
    UpgradeClusters.node(client, "w2", false, w2, true);
    return new Path[] {
      Files.writeString(dir.resolve(name + ".ini"), inventory(name, "w1", "w2")),
      UpgradeClusters.kubeconfig(client, Files.createTempDirectory(F.dir, "kube"))
    };
  }

  @Test
  void upgradeWatchShowsEachNodeAndEndsWithTheirOutcomes() throws Exception {
    Path[] c = cluster("cliup", "v1.31.0");
    Run r =
        graft(
            OPERATOR,
            "upgrade",
            "-i",
            c[0].toString(),
            "--kubeconfig",
            c[1].toString(),
            "--to",
            "v1.31.0",
            "--max-unavailable",
            "1",
            "--drain-timeout",
            "2m",
            "--request-id",
            "u1",
            "--watch",
            "--interval",
            "100");
    assertEquals(0, r.code(), r.out() + r.err());
    String id = "cluster/cliup/upgrade/u1";
    assertTrue(r.out().contains("accepted: " + id), r.out());
    assertTrue(
        r.out()
            .contains(
                "upgrades 3 nodes of cluster cliup from v1.30.2 to v1.31.0"
                    + " (1 control plane one at a time, 2 workers up to 1 at once)"),
        r.out());
    assertTrue(r.out().contains(id + "  running  v1.30.2 -> v1.31.0"), r.out());
    assertTrue(r.out().matches("(?s).*w1\\s+\\[#{20}\\] 6/6  done.*"), r.out());
    assertTrue(r.out().contains(id + ": done — upgraded to v1.31.0"), r.out());
    assertTrue(r.out().matches("(?s).*\n  w1\\s+upgraded\\s+6 succeeded.*"), r.out());
    assertTrue(
        r.out().matches("(?s).*\n  w2\\s+already at v1.31.0 0 succeeded, 6 already satisfied.*"),
        r.out());

    Run again =
        graft(
            OPERATOR,
            "upgrade",
            "-i",
            c[0].toString(),
            "--kubeconfig",
            c[1].toString(),
            "--to",
            "v1.31.0",
            "--request-id",
            "u1",
            "-o",
            "json");
    assertEquals(0, again.code(), again.err());
    assertTrue(JSON.readTree(again.out()).get("existing").asBoolean(), again.out());
  }

  @Test
  void aRefusedUpgradeExitsOneNamingTheNodeAndTheFix() throws Exception {
    Path[] c = cluster("cliskew", "v1.27.3");
    Run r =
        graft(
            OPERATOR,
            "upgrade",
            "-i",
            c[0].toString(),
            "--kubeconfig",
            c[1].toString(),
            "--to",
            "v1.31.0",
            "--request-id",
            "u1",
            "--watch");
    assertEquals(1, r.code(), r.out() + r.err());
    assertTrue(
        r.err()
            .contains(
                "refused: w2: its kubelet runs v1.27.3, more than 3 minors behind v1.31.0:"
                    + " upgrade it to at least v1.28 first [KubeletSkewTooLarge]"),
        r.err());
  }

  @Test
  void anUpgradeWaitingForApprovalExitsTwoWithTheCommand() throws Exception {
    Path[] c = cluster("cliapprove", "v1.30.2");
    Run r =
        graft(
            OPERATOR,
            "upgrade",
            "-i",
            c[0].toString(),
            "--kubeconfig",
            c[1].toString(),
            "--to",
            "v1.31.0",
            "--require-approval",
            "--request-id",
            "u1",
            "--watch",
            "--interval",
            "100");
    assertEquals(2, r.code(), r.out() + r.err());
    assertTrue(
        r.out().contains("graft approve cluster/cliapprove/upgrade/u1 --step approve"), r.out());
    assertEquals(0, graft(OPERATOR, "approve", "cluster/cliapprove/upgrade/u1").code());
    Run watch =
        graft(OPERATOR, "status", "cluster/cliapprove/upgrade/u1", "--watch", "--interval", "100");
    assertEquals(0, watch.code(), watch.out() + watch.err());
  }
}
