package dev.graft.lab.standin;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code kubeadm config images list|pull [--kubernetes-version V]}. The lab has no registry and its
 * containerd speaks no CRI, so a pull is recorded in {@code /var/lib/graft-lab/images} (one image
 * per line, as `crictl images` would list it) and succeeds; the version is validated as kubeadm
 * does (a Kubernetes version, not below kubeadm's minimum control-plane version).
 */
final class KubeadmImages {
  static final String RECORD = "/var/lib/graft-lab/images";

  private final Kubeadm k;

  KubeadmImages(Kubeadm k) {
    this.k = k;
  }

  void run(List<String> argv) throws StandinFailure, IOException {
    if (argv.isEmpty() || !argv.get(0).equals("images")) {
      throw new StandinFailure(
          1, "the kubeadm stand-in only implements 'kubeadm config images" + " list|pull'");
    }
    String sub = argv.size() > 1 ? argv.get(1) : "";
    Args a =
        Args.parse(
            argv.subList(Math.min(2, argv.size()), argv.size()),
            Set.of(
                "kubernetes-version",
                "cri-socket",
                "image-repository",
                "config",
                "kubeconfig",
                "feature-gates",
                "v",
                "output"),
            Set.of("allow-missing-template-keys"),
            Map.of("o", "output"));
    String version = a.get("kubernetes-version", k.version);
    if (version.equals("stable") || version.startsWith("stable-") || version.equals("latest")) {
      // Offline, kubeadm falls back to its own version for the labels it cannot resolve.
      version = k.version;
    }
    String v = Kubeadm.normalize(version);
    int[] parsed = Kubeadm.parseVersion(v);
    if (parsed == null) {
      throw new StandinFailure(
          1,
          "version \""
              + version
              + "\" doesn't match patterns for neither"
              + " semantic version nor labels (stable, latest, ...)\nTo see the stack trace of this"
              + " error execute with --v=5 or higher");
    }
    int[] kv = Kubeadm.parseVersion(k.version);
    if (kv != null && (parsed[0] < kv[0] || parsed[1] < kv[1] - 1)) {
      throw new StandinFailure(
          1,
          "this version of kubeadm only supports deploying clusters with"
              + " the control plane version >= "
              + kv[0]
              + "."
              + (kv[1] - 1)
              + ".0. Current version: "
              + v
              + "\nTo see the stack trace of this error execute with --v=5 or higher");
    }
    List<String> images = KubeImages.all(v);
    switch (sub) {
      case "list" -> images.forEach(k.out::println);
      case "pull" -> {
        for (String image : images) {
          k.out.println("[config/images] Pulled " + image);
        }
        record(k, images);
      }
      default ->
          throw new StandinFailure(
              1, "unknown command \"" + sub + "\" for \"kubeadm config images\"");
    }
  }

  /** Adds images to the host's record of pulled images, each once. */
  static synchronized void record(Kubeadm k, List<String> images) throws IOException {
    Path p = k.path(RECORD);
    Files.createDirectories(p.getParent());
    List<String> have = Files.exists(p) ? Files.readAllLines(p) : List.of();
    StringBuilder add = new StringBuilder();
    for (String i : images) {
      if (!have.contains(i)) {
        add.append(i).append('\n');
      }
    }
    Files.writeString(p, add.toString(), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }
}
