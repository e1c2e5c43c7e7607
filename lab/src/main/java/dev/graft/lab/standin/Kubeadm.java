package dev.graft.lab.standin;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What every kubeadm stand-in command shares: the host's paths, output streams, the stand-in's own
 * version, admin access to the API and the cluster's ClusterConfiguration.
 */
final class Kubeadm {
  static final Pattern TOKEN = Pattern.compile("^([a-z0-9]{6})\\.([a-z0-9]{16})$");
  static final Pattern VERSION = Pattern.compile("^v?(\\d+)\\.(\\d+)\\.(\\d+)$");
  static final Pattern DNS1123_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  static final String ADMIN_CONF = "/etc/kubernetes/admin.conf";
  static final String KUBELET_CONF = "/etc/kubernetes/kubelet.conf";
  static final String BOOTSTRAP_KUBELET_CONF = "/etc/kubernetes/bootstrap-kubelet.conf";
  static final String PKI = "/etc/kubernetes/pki";
  static final String MANIFESTS = "/etc/kubernetes/manifests";

  final HostPaths paths;
  final PrintStream out;
  final BufferedReader in;
  final String version;

  Kubeadm(HostPaths paths, PrintStream out, InputStream in, String version) {
    this.paths = paths;
    this.out = out;
    this.in = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    this.version = version;
  }

  Path path(String hostPath) {
    return paths.get(hostPath);
  }

  /** A client from a kubeconfig on the host, failing with kubeadm's wording when it is absent. */
  KubeRest client(String kubeconfigHostPath) throws StandinFailure {
    Path p = paths.get(kubeconfigHostPath);
    if (!Files.exists(p)) {
      throw new StandinFailure(
          1,
          "failed to load admin kubeconfig: open "
              + kubeconfigHostPath
              + ": no such file or directory\nTo see the stack trace of this error execute with --v=5"
              + " or higher");
    }
    try {
      return KubeRest.fromKubeconfig(Kubeconfig.read(p));
    } catch (IOException e) {
      throw new StandinFailure(
          1, "failed to load admin kubeconfig " + kubeconfigHostPath + ": " + e.getMessage());
    }
  }

  /** The ClusterConfiguration stored in kube-system/kubeadm-config. */
  static JsonNode clusterConfiguration(KubeRest api) throws IOException, StandinFailure {
    JsonNode cm = api.get("/api/v1/namespaces/kube-system/configmaps/kubeadm-config");
    if (cm == null) {
      throw new StandinFailure(
          1,
          "unable to fetch the kubeadm-config ConfigMap: failed to get"
              + " config map: configmaps \"kubeadm-config\" not found");
    }
    String yaml = cm.path("data").path("ClusterConfiguration").asText(null);
    if (yaml == null) {
      throw new StandinFailure(
          1,
          "unexpected error when reading kubeadm-config ConfigMap:"
              + " ClusterConfiguration key value pair missing");
    }
    return Kubeconfig.YAML.readTree(yaml);
  }

  boolean confirm(String question) throws IOException {
    out.print(question + " [y/N]: ");
    out.flush();
    String line = in.readLine();
    return line != null && line.strip().equalsIgnoreCase("y");
  }

  /** Runs the host's systemctl (the stand-in on lab hosts), bounded. */
  ExecOutcome systemctl(String... args) throws IOException {
    Path standin = paths.get("/usr/local/bin/systemctl");
    List<String> cmd = new ArrayList<>();
    cmd.add(Files.isExecutable(standin) ? standin.toString() : "systemctl");
    cmd.addAll(List.of(args));
    return run(cmd, Duration.ofSeconds(30));
  }

  /** Exit code and merged output of a local command. */
  record ExecOutcome(int code, String output) {}

  static ExecOutcome run(List<String> cmd, Duration timeout) throws IOException {
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .start();
    try {
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        return new ExecOutcome(124, "timed out after " + timeout + ": " + String.join(" ", cmd));
      }
      return new ExecOutcome(
          p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new IOException("interrupted", e);
    }
  }

  static int[] parseVersion(String v) {
    Matcher m = VERSION.matcher(v == null ? "" : v);
    if (!m.matches()) {
      return null;
    }
    return new int[] {
      Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))
    };
  }

  static int compare(int[] a, int[] b) {
    for (int i = 0; i < 3; i++) {
      if (a[i] != b[i]) {
        return Integer.compare(a[i], b[i]);
      }
    }
    return 0;
  }

  static String normalize(String v) {
    return v.startsWith("v") ? v : "v" + v;
  }

  void writeFile(String hostPath, String content, boolean secret) throws IOException {
    Path p = path(hostPath);
    Files.createDirectories(p.getParent());
    Path tmp = p.resolveSibling(p.getFileName() + ".tmp");
    Files.writeString(tmp, content);
    if (secret) {
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
    }
    Files.move(tmp, p, StandardCopyOption.REPLACE_EXISTING);
  }
}
