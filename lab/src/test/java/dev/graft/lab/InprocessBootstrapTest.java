package dev.graft.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.lab.bootstrap.EtcdHealth;
import dev.graft.lab.host.Procfs;
import dev.graft.lab.standin.Pem;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * `lab up --bootstrap` with in-process hosts (no root needed, only etcd): the hosts share
 * 127.0.0.1, so each gets its own etcd ports; host 1's etcd answers with the state dir's client
 * certificate, its Node is Ready, and closing the lab stops every process it started.
 */
class InprocessBootstrapTest {
  private static final Pattern ETCD_PORT = Pattern.compile("GRAFT_LAB_ETCD_CLIENT_PORT='(\\d+)'");

  @Test
  void twoSandboxHostsBootstrapWithDistinctEtcdPortsAndLeaveNothingBehind() throws Exception {
    Prereqs.require(
        "the bootstrap's etcd member",
        Files.isExecutable(Path.of("/usr/bin/etcd"))
            ? List.of()
            : List.of("/usr/bin/etcd (package etcd-server)"));
    Path stateDir = Files.createTempDirectory("graft-lab-inboot-").resolve("lab");
    Lab lab =
        Lab.up(
            LabSpec.builder()
                .nodes(2)
                .kind(LabKind.INPROCESS)
                .stateDir(stateDir)
                .bootstrap(true)
                .build());
    String id = lab.state().id();
    try {
      LabState s = LabState.read(stateDir);
      System.out.printf(
          "in-process lab up --nodes 2 --bootstrap: bootstrap %.2f s%n", s.bootstrap().seconds());
      String endpoint = s.etcdEndpoints().get(0);
      assertTrue(endpoint.startsWith("https://127.0.0.1:"), endpoint);
      assertTrue(s.apiEndpoint().startsWith("https://127.0.0.1:"), s.apiEndpoint());
      int p1 = etcdPort(lab.host("k8s-node1"));
      int p2 = etcdPort(lab.host("k8s-node2"));
      assertEquals("https://127.0.0.1:" + p1, endpoint);
      assertNotEquals(p1, p2, "hosts sharing 127.0.0.1 need their own etcd ports");
      BootstrapState b = s.bootstrap();
      EtcdHealth health =
          new EtcdHealth(
              endpoint,
              Files.readString(Path.of(b.etcdCaCert())),
              Pem.readPair(Path.of(b.etcdClientCert()), Path.of(b.etcdClientKey())));
      assertTrue(health.healthy());
      try (KubernetesClient kube =
          new KubernetesClientBuilder()
              .withConfig(Config.fromKubeconfig(Files.readString(Path.of(s.kubeconfig()))))
              .build()) {
        Node n = kube.nodes().withName("k8s-node1").get();
        assertEquals(
            "True",
            n.getStatus().getConditions().stream()
                .filter(c -> c.getType().equals("Ready"))
                .findFirst()
                .orElseThrow()
                .getStatus());
      }
    } finally {
      lab.close();
    }
    // Kubelet, etcd and containerd carry the lab's id in their environment.
    for (int i = 0; i < 50 && !Procfs.withLabId(id).isEmpty(); i++) {
      Thread.sleep(100);
    }
    assertEquals(List.of(), Procfs.withLabId(id).stream().map(PidRef::cmdline).toList());
    assertTrue(Files.notExists(stateDir));
    Files.deleteIfExists(stateDir.getParent());
  }

  private static int etcdPort(LabHost h) {
    Matcher m = ETCD_PORT.matcher(h.readFile("/usr/local/bin/kubeadm").orElseThrow());
    assertTrue(m.find());
    return Integer.parseInt(m.group(1));
  }
}
