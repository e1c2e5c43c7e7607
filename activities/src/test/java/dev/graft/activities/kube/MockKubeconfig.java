package dev.graft.activities.kube;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes a kubeconfig that points at the fabric8 mock server (the Kubernetes API stand-in). */
public final class MockKubeconfig {
  private MockKubeconfig() {}

  public static Path write(KubernetesClient mock, Path dir) throws IOException {
    Files.createDirectories(dir);
    Path file = dir.resolve("admin.conf");
    Files.writeString(
        file,
        String.join(
            "\n",
            "apiVersion: v1",
            "kind: Config",
            "clusters:",
            "- name: mock",
            "  cluster:",
            "    server: " + mock.getMasterUrl(),
            "    insecure-skip-tls-verify: true",
            "users:",
            "- name: admin",
            "  user:",
            "    token: mock-token",
            "contexts:",
            "- name: mock",
            "  context: {cluster: mock, user: admin}",
            "current-context: mock",
            ""));
    return file;
  }
}
