package dev.graft.lab.standin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/**
 * {@code kubeadm certs check-expiration}: kubeadm's two tables (certificates, then certificate
 * authorities) read from the node's own PKI, with kubeadm's date format and residual times ({@code
 * 364d}, {@code 9y}, {@code <invalid>}). Files the node does not have are left out, as kubeadm
 * leaves out what a node lacks (a worker has none of them).
 */
final class KubeadmCertsExpiration {
  private static final DateTimeFormatter EXPIRES =
      DateTimeFormatter.ofPattern("MMM dd, yyyy HH:mm 'UTC'", Locale.ROOT).withZone(ZoneOffset.UTC);

  /** Name as kubeadm prints it, file under the PKI dir, its CA. */
  private static final List<String[]> CERTS =
      List.of(
          new String[] {"apiserver", "apiserver.crt", "ca"},
          new String[] {"apiserver-etcd-client", "apiserver-etcd-client.crt", "etcd-ca"},
          new String[] {"apiserver-kubelet-client", "apiserver-kubelet-client.crt", "ca"},
          new String[] {"etcd-healthcheck-client", "etcd/healthcheck-client.crt", "etcd-ca"},
          new String[] {"etcd-peer", "etcd/peer.crt", "etcd-ca"},
          new String[] {"etcd-server", "etcd/server.crt", "etcd-ca"},
          new String[] {"front-proxy-client", "front-proxy-client.crt", "front-proxy-ca"});

  private static final List<String[]> CAS =
      List.of(
          new String[] {"ca", "ca.crt"},
          new String[] {"etcd-ca", "etcd/ca.crt"},
          new String[] {"front-proxy-ca", "front-proxy-ca.crt"});

  private KubeadmCertsExpiration() {}

  static void run(Kubeadm k, Instant now) throws IOException {
    k.out.println("[check-expiration] Reading configuration from the cluster...");
    k.out.println(
        "[check-expiration] FYI: You can look at this config file with 'kubectl -n kube-system get cm"
            + " kubeadm-config -o yaml'");
    k.out.println();
    k.out.printf(
        "%-26s %-24s %-15s %-23s %s%n",
        "CERTIFICATE", "EXPIRES", "RESIDUAL TIME", "CERTIFICATE AUTHORITY", "EXTERNALLY MANAGED");
    for (String[] c : CERTS) {
      Instant end = notAfter(k.path(Kubeadm.PKI + "/" + c[1]));
      if (end != null) {
        k.out.printf(
            "%-26s %-24s %-15s %-23s no%n", c[0], EXPIRES.format(end), residual(now, end), c[2]);
      }
    }
    k.out.println();
    k.out.printf(
        "%-23s %-24s %-15s %s%n",
        "CERTIFICATE AUTHORITY", "EXPIRES", "RESIDUAL TIME", "EXTERNALLY MANAGED");
    for (String[] c : CAS) {
      Instant end = notAfter(k.path(Kubeadm.PKI + "/" + c[1]));
      if (end != null) {
        k.out.printf("%-23s %-24s %-15s no%n", c[0], EXPIRES.format(end), residual(now, end));
      }
    }
  }

  /** kubeadm's duration.ShortHumanDuration. */
  static String residual(Instant now, Instant end) {
    Duration d = Duration.between(now, end);
    long s = d.getSeconds();
    if (s < -1) {
      return "<invalid>";
    } else if (s < 60) {
      return Math.max(0, s) + "s";
    } else if (d.toMinutes() < 60) {
      return d.toMinutes() + "m";
    } else if (d.toHours() < 48) {
      return d.toHours() + "h";
    } else if (d.toHours() < 24 * 365 * 2) {
      return d.toDays() + "d";
    }
    return d.toDays() / 365 + "y";
  }

  private static Instant notAfter(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      return null;
    }
    X509Certificate c = Pem.certificate(Files.readString(file, StandardCharsets.UTF_8));
    return c.getNotAfter().toInstant();
  }
}
