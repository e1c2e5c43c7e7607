package dev.graft.activities.upgrade;

import dev.graft.activities.ssh.NodeShell;
import dev.graft.workflows.FailureTypes;
import dev.graft.workflows.upgrade.KubeVersion;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Pure decisions on what the upgrade's read-only commands print: package versions as dpkg and
 * apt-cache madison show them, the apiserver manifest's image, {@code kubeadm certs
 * check-expiration}'s table, and the disk thresholds.
 */
final class UpgradeFacts {
  /**
   * Free space /var/lib needs for a control plane's new images (apiserver, controller-manager,
   * scheduler, proxy, etcd, coredns, pause).
   */
  static final long CONTROL_PLANE_IMAGES_KB = 2L * 1024 * 1024;

  /** Free space /var/lib needs on a worker (kube-proxy, pause, and the packages). */
  static final long WORKER_IMAGES_KB = 1024L * 1024;

  /** The snapshot directory needs twice the etcd database, and at least this. */
  static final long MIN_SNAPSHOT_KB = 1024L * 1024;

  /**
   * Certificates that expire sooner than this are named (kubeadm upgrade apply renews them by
   * default).
   */
  static final int CERT_WARN_DAYS = 30;

  private static final Pattern CERT_ROW =
      Pattern.compile(
          "^(\\S+)\\s+([A-Z][a-z]{2} \\d{2}, \\d{4} \\d{2}:\\d{2} UTC)\\s+(\\S+)(?:\\s+.*)?$");

  private UpgradeFacts() {}

  /**
   * The upstream part of a Debian or RPM package version: {@code 1:1.31.0-1.1} → {@code 1.31.0};
   * null stays null.
   */
  static String upstream(String packageVersion) {
    if (packageVersion == null || packageVersion.isBlank()) {
      return null;
    }
    String v = packageVersion.trim();
    int colon = v.indexOf(':');
    if (colon >= 0 && v.substring(0, colon).matches("[0-9]+")) {
      v = v.substring(colon + 1);
    }
    int dash = v.lastIndexOf('-');
    return dash > 0 ? v.substring(0, dash) : v;
  }

  /** Whether an installed package version is the target's (upstream part equal). */
  static boolean atTarget(String packageVersion, KubeVersion to) {
    return to != null && to.upstream().equals(upstream(packageVersion));
  }

  /**
   * The version to install: of the versions the repository offers whose upstream part is the
   * target's, the one with the highest Debian revision ({@code 1.31.0-1.1} before {@code
   * 1.31.0-2.1}: pkgs.k8s.io rebuilds a release under a new revision). Null when none matches.
   */
  static String pick(List<String> available, KubeVersion to) {
    String best = null;
    for (String v : available) {
      if (v != null
          && !v.isBlank()
          && atTarget(v, to)
          && (best == null || compareRevision(revision(v), revision(best)) > 0)) {
        best = v.trim();
      }
    }
    return best;
  }

  private static String revision(String v) {
    int dash = v.lastIndexOf('-');
    return dash > 0 ? v.substring(dash + 1) : "";
  }

  /**
   * Compares revisions as dpkg does for the common case: runs of digits numerically, the rest as
   * text.
   */
  static int compareRevision(String a, String b) {
    Matcher ma = Pattern.compile("\\d+|\\D+").matcher(a);
    Matcher mb = Pattern.compile("\\d+|\\D+").matcher(b);
    while (true) {
      boolean ha = ma.find();
      boolean hb = mb.find();
      if (!ha || !hb) {
        return Boolean.compare(ha, hb);
      }
      String pa = ma.group();
      String pb = mb.group();
      int c =
          Character.isDigit(pa.charAt(0)) && Character.isDigit(pb.charAt(0))
              ? new BigInteger(pa).compareTo(new BigInteger(pb))
              : pa.compareTo(pb);
      if (c != 0) {
        return c;
      }
    }
  }

  /**
   * A number, or 0 when the text is missing or not one (df and du print nothing for a missing
   * path).
   */
  static long number(String s) {
    try {
      return s == null ? 0 : Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** Comma-separated list → its non-blank items. */
  static List<String> items(String commaSeparated) {
    List<String> out = new ArrayList<>();
    if (commaSeparated != null) {
      for (String s : commaSeparated.split(",")) {
        if (!s.isBlank()) {
          out.add(s.trim());
        }
      }
    }
    return out;
  }

  /**
   * The version in an image reference's tag: {@code registry.k8s.io/kube-apiserver:v1.31.0} →
   * {@code v1.31.0}.
   */
  static String imageVersion(String image) {
    if (image == null || image.isBlank()) {
      return null;
    }
    String i = image.trim();
    int at = i.indexOf('@');
    if (at >= 0) {
      i = i.substring(0, at);
    }
    int colon = i.lastIndexOf(':');
    if (colon < 0 || i.indexOf('/', colon) >= 0) {
      return null;
    }
    KubeVersion v = KubeVersion.parse(i.substring(colon + 1));
    return v == null ? i.substring(colon + 1) : v.toString();
  }

  /** One row of {@code kubeadm certs check-expiration}. */
  record CertExpiry(String name, String expires, String residual) {
    boolean expired() {
      return residual.startsWith("<invalid>");
    }

    /** Whole days left (years as 365 days); 0 for hours, minutes and seconds; -1 when expired. */
    long days() {
      if (expired()) {
        return -1;
      }
      Matcher m = Pattern.compile("(\\d+)([ydhms])").matcher(residual);
      if (!m.lookingAt()) {
        return Long.MAX_VALUE; // a form kubeadm does not print: not a reason to stop an upgrade
      }
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "y" -> n * 365;
        case "d" -> n;
        default -> 0;
      };
    }
  }

  /** The certificate and CA rows of the table; the header lines and anything else are skipped. */
  static List<CertExpiry> certs(String output) {
    List<CertExpiry> out = new ArrayList<>();
    for (String line : output == null ? new String[0] : output.split("\n")) {
      Matcher m = CERT_ROW.matcher(line.strip());
      if (m.matches()) {
        out.add(new CertExpiry(m.group(1), m.group(2), m.group(3)));
      }
    }
    return out;
  }

  /**
   * The upgrade's target version, validated (it reaches package names and kubeadm's argv): a
   * non-retryable INVALID_INPUT when it is not one.
   */
  static KubeVersion target(String to) {
    KubeVersion v = KubeVersion.parse(to);
    if (v == null) {
      throw NodeShell.failure(
          "the target '" + to + "' is not a Kubernetes version",
          FailureTypes.INVALID_INPUT,
          true,
          "",
          "give vMAJOR.MINOR.PATCH, e.g. v1.31.0");
    }
    return v;
  }
}
