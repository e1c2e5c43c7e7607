package dev.graft.lab.standin;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A local apt repository of stand-in {@code kubeadm}, {@code kubelet} and {@code kubectl} packages,
 * one of each per Kubernetes version, with pkgs.k8s.io's Debian versions ({@code 1.31.0-1.1}). The
 * packages are real .deb files built with {@code dpkg-deb --build}, so a host's own {@code
 * apt-get}/{@code dpkg} installs them for real; their payload is a launcher in {@code
 * /usr/local/bin} (never {@code /usr/bin}: a netns host's /usr is the machine's) that runs the
 * host's stand-in with the package's version. The Packages and Release indexes are written here, so
 * neither dpkg-dev nor apt-utils is needed.
 *
 * <p>On a host ({@link #configure}) the repository lives in {@code /opt/graft-lab/apt}, is the only
 * apt source ({@code deb [trusted=yes] file:/opt/graft-lab/apt ./} in {@code
 * /etc/apt/sources.list.d/kubernetes.list}; the machine's own sources are removed from the host's
 * copy-on-write /etc, since a lab host has no network), and packages of the same names that the
 * machine itself has installed are dropped from the host's copy of the dpkg database, so that
 * installing the stand-ins never removes the machine's files.
 */
public final class AptRepo {
  public static final String HOST_DIR = "/opt/graft-lab/apt";
  public static final String SOURCES_LIST = "/etc/apt/sources.list.d/kubernetes.list";
  public static final List<String> PACKAGES = List.of("kubeadm", "kubelet", "kubectl");

  /** Where the stand-ins' own launchers live; the packages' launchers run these. */
  public static final String STANDIN_DIR = "/usr/local/lib/graft-lab/standin";

  private static final Pattern KUBE_VERSION = Pattern.compile("v\\d+\\.\\d+\\.\\d+");

  private AptRepo() {}

  /** pkgs.k8s.io's Debian version of a Kubernetes release: v1.31.0 → 1.31.0-1.1. */
  public static String debianVersion(String kubeVersion) {
    requireVersion(kubeVersion);
    return kubeVersion.substring(1) + "-1.1";
  }

  private static void requireVersion(String v) {
    if (v == null || !KUBE_VERSION.matcher(v).matches()) {
      throw new IllegalArgumentException("Kubernetes versions look like v1.31.0: " + v);
    }
  }

  /**
   * Builds the repository in {@code dir} (created, or emptied of earlier .deb files): three
   * packages per version and the indexes. About 20 ms per package.
   */
  public static Path build(Path dir, List<String> kubeVersions) throws IOException {
    if (kubeVersions.isEmpty()) {
      throw new IllegalArgumentException("at least one version");
    }
    Files.createDirectories(dir);
    Path work = Files.createTempDirectory(dir.getParent(), "apt-build");
    List<Path> debs = new ArrayList<>();
    try {
      for (String v : kubeVersions) {
        requireVersion(v);
        for (String pkg : PACKAGES) {
          debs.add(buildPackage(work, dir, pkg, v));
        }
      }
    } finally {
      deleteTree(work);
    }
    StringBuilder packages = new StringBuilder();
    for (Path deb : debs) {
      byte[] bytes = Files.readAllBytes(deb);
      packages
          .append(control(deb))
          .append("Filename: ./")
          .append(deb.getFileName())
          .append('\n')
          .append("Size: ")
          .append(bytes.length)
          .append('\n')
          .append("SHA256: ")
          .append(sha256(bytes))
          .append("\n\n");
    }
    byte[] index = packages.toString().getBytes(StandardCharsets.UTF_8);
    Files.write(dir.resolve("Packages"), index);
    String date =
        ZonedDateTime.now(ZoneOffset.UTC)
            .format(DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'UTC'", Locale.ROOT));
    Files.writeString(
        dir.resolve("Release"),
        "Origin: graft-lab\nLabel: graft-lab\n"
            + "Suite: graft-lab\nCodename: graft-lab\nDate: "
            + date
            + "\nArchitectures: amd64\n"
            + "Description: Graft lab stand-in Kubernetes packages\nSHA256:\n "
            + sha256(index)
            + " "
            + index.length
            + " Packages\n");
    return dir;
  }

  private static Path buildPackage(Path work, Path out, String pkg, String kubeVersion)
      throws IOException {
    String deb = debianVersion(kubeVersion);
    Path root = work.resolve(pkg + "_" + deb);
    Path bin = Files.createDirectories(root.resolve("usr/local/bin"));
    Files.createDirectories(root.resolve("DEBIAN"));
    Files.writeString(
        root.resolve("DEBIAN/control"),
        "Package: "
            + pkg
            + "\nVersion: "
            + deb
            + "\nArchitecture: amd64\nMaintainer: Graft lab <lab@graft.invalid>\nSection: admin\n"
            + "Priority: optional\nHomepage: https://kubernetes.io\nDescription: "
            + pkg
            + " "
            + kubeVersion
            + " (Graft lab stand-in)\n The payload is a launcher that runs the"
            + " lab's stand-in with this package's version.\n");
    Path launcher = bin.resolve(pkg);
    Files.writeString(launcher, launcher(pkg, kubeVersion, deb));
    Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path target = out.resolve(pkg + "_" + deb + "_amd64.deb");
    Kubeadm.ExecOutcome r =
        Kubeadm.run(
            List.of(
                "dpkg-deb",
                "--root-owner-group",
                "-Zgzip",
                "-z1",
                "--build",
                root.toString(),
                target.toString()),
            Duration.ofSeconds(30));
    if (r.code() != 0) {
      throw new IOException(
          "dpkg-deb --build "
              + pkg
              + " "
              + deb
              + " failed ("
              + r.code()
              + "): "
              + r.output().strip());
    }
    return target;
  }

  /** The package's /usr/local/bin launcher: the stand-in, with this package's version. */
  static String launcher(String pkg, String kubeVersion, String deb) {
    return switch (pkg) {
      case "kubeadm" ->
          "#!/bin/sh\n# kubeadm "
              + deb
              + " (Graft lab stand-in package). "
              + STANDIN_DIR
              + "/kubeadm runs\n# graft_lab_fault_hooks kubeadm, then the stand-in.\n"
              + "GRAFT_LAB_KUBEADM_VERSION="
              + kubeVersion
              + " exec "
              + STANDIN_DIR
              + "/kubeadm \"$@\"\n";
      case "kubelet" ->
          "#!/bin/sh\n# kubelet "
              + deb
              + " (Graft lab stand-in package). "
              + STANDIN_DIR
              + "/kubelet runs\n# graft_lab_fault_hooks kubelet, then the stand-in.\n"
              + "GRAFT_LAB_KUBELET_VERSION="
              + kubeVersion
              + " exec "
              + STANDIN_DIR
              + "/kubelet \"$@\"\n";
      case "kubectl" ->
          "#!/bin/sh\n# kubectl "
              + deb
              + " (Graft lab stand-in package): only"
              + " 'kubectl version --client'.\n"
              + StandinInstaller.faultHooks("kubectl")
              + "case \"$1 $2 $3 $4\" in\n"
              + "  'version --client  '|'--client version  ')\n"
              + "    echo 'Client Version: "
              + kubeVersion
              + "'\n"
              + "    echo 'Kustomize Version: v5.4.2'; exit 0 ;;\n"
              + "  'version --client -o json'|'version --client --output=json '|'version --client"
              + " -ojson ')\n"
              + "    printf '{\\n  \"clientVersion\": {\\n    \"major\": \"%s\",\\n    \"minor\":"
              + " \"%s\",\\n    \"gitVersion\": \""
              + kubeVersion
              + "\",\\n    \"platform\":"
              + " \"linux/amd64\"\\n  },\\n  \"kustomizeVersion\": \"v5.4.2\"\\n}\\n' "
              + Kubeadm.parseVersion(kubeVersion)[0]
              + " "
              + Kubeadm.parseVersion(kubeVersion)[1]
              + "; exit 0 ;;\nesac\n"
              + "echo \"error: the Graft lab's kubectl stand-in implements only 'kubectl version"
              + " --client [-o json]'\" >&2\nexit 1\n";
      default -> throw new IllegalArgumentException(pkg);
    };
  }

  private static String control(Path deb) throws IOException {
    Kubeadm.ExecOutcome r =
        Kubeadm.run(List.of("dpkg-deb", "-f", deb.toString()), Duration.ofSeconds(30));
    if (r.code() != 0) {
      throw new IOException("dpkg-deb -f " + deb + ": " + r.output().strip());
    }
    String c = r.output().strip() + "\n";
    return c;
  }

  /**
   * Makes the repository the host's only apt source and installs the given version of the three
   * packages through the host's apt-get, held as the Kubernetes install guide leaves them. Only
   * netns hosts: an in-process host's apt and dpkg database are the machine's.
   */
  public static void configure(StandinHost host, Path repo, String installVersion)
      throws IOException {
    if (!host.rootPrefix().isEmpty()) {
      throw new IllegalStateException(
          "host "
              + host.name()
              + " is in-process: its apt-get and"
              + " dpkg database are the machine's, so the lab cannot install packages there; use"
              + " netns hosts for package installs and upgrades");
    }
    String deb = debianVersion(installVersion);
    byte[] tar = tar(repo);
    host.exec(
            Duration.ofSeconds(30),
            tar,
            "/bin/sh",
            "-c",
            "rm -rf " + HOST_DIR + " && mkdir -p " + HOST_DIR + " && tar -x -C " + HOST_DIR)
        .requireSuccess("unpack the apt repo on " + host.name());
    String script =
        String.join(
            "\n",
            "set -eu",
            // The host has no network: the machine's sources would only fail apt-get update.
            "rm -f /etc/apt/sources.list /etc/apt/sources.list.d/*",
            "echo 'deb [trusted=yes] file:" + HOST_DIR + " ./' >" + SOURCES_LIST,
            // The machine may have installed packages of these names (e.g. a cloud SDK's kubectl in
            // /usr/bin). The host forgets them in its own copy of the dpkg database, so that dpkg
            // never removes the machine's files when it installs the stand-ins.
            "for p in " + String.join(" ", PACKAGES) + "; do",
            "  if dpkg-query -W \"$p\" >/dev/null 2>&1; then",
            "    awk -v p=\"$p\" 'BEGIN { RS = \"\"; ORS = \"\\n\\n\" }"
                + " $1 != \"Package:\" || $2 != p' /var/lib/dpkg/status >/var/lib/dpkg/status.gl",
            "    mv /var/lib/dpkg/status.gl /var/lib/dpkg/status",
            "    rm -f /var/lib/dpkg/info/\"$p\".* /var/lib/dpkg/info/\"$p\":*.*",
            "  fi",
            "done",
            "export DEBIAN_FRONTEND=noninteractive",
            "apt-get update -q",
            "apt-get install -y -q "
                + PACKAGES.stream()
                    .map(p -> p + "=" + deb)
                    .reduce((a, b) -> a + " " + b)
                    .orElseThrow(),
            "apt-mark hold " + String.join(" ", PACKAGES),
            "");
    host.exec(Duration.ofSeconds(120), "/bin/sh", "-c", script)
        .requireSuccess("install kubeadm/kubelet/kubectl " + deb + " on " + host.name());
  }

  private static byte[] tar(Path dir) throws IOException {
    Process p =
        new ProcessBuilder("tar", "-c", "-C", dir.toString(), ".")
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    p.getInputStream().transferTo(out);
    try {
      if (p.waitFor() != 0) {
        throw new IOException("tar -c " + dir + " failed");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    return out.toByteArray();
  }

  static String sha256(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(x);
      }
    }
  }
}
