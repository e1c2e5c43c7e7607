package dev.graft.lab;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a lab's inventories from its state: Graft's cluster YAML (see the inventory format note)
 * and a standard kubespray INI. Public so the bootstrap can rewrite them once the API endpoint,
 * kubeconfig and etcd endpoints are known.
 */
public final class InventoryWriter {
  public static final String KUBERNETES_VERSION = "v1.32.0";
  private static final ObjectMapper YAML =
      new ObjectMapper(
          new YAMLFactory()
              .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
              .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

  private InventoryWriter() {}

  public static void write(LabState s) throws IOException {
    Files.writeString(Path.of(s.inventoryYaml()), graftYaml(s));
    Files.writeString(Path.of(s.inventoryIni()), kubesprayIni(s));
  }

  public static String graftYaml(LabState s) throws IOException {
    boolean external = external(s);
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("apiVersion", "graft.dev/v1");
    doc.put("kind", "Cluster");
    doc.put("name", s.clusterName());
    doc.put("apiEndpoint", s.apiEndpoint());
    doc.put("kubeconfig", s.kubeconfig());
    doc.put("kubernetesVersion", version(s));
    doc.put("podNetwork", map("cidr", "10.244.0.0/16", "nodeMask", 24));
    doc.put("serviceCidr", "10.96.0.0/12");
    Map<String, Object> etcd = new LinkedHashMap<>();
    etcd.put("topology", external ? "external" : "stacked");
    if (!s.etcdEndpoints().isEmpty()) {
      etcd.put("endpoints", s.etcdEndpoints());
    }
    // Graft reads these on the machine it runs on: after a bootstrap, the copies in the state dir;
    // before, kubeadm's paths (as on a control-plane host).
    BootstrapState b = s.bootstrap();
    etcd.put("caCert", b != null ? b.etcdCaCert() : "/etc/kubernetes/pki/etcd/ca.crt");
    etcd.put(
        "clientCert",
        b != null ? b.etcdClientCert() : "/etc/kubernetes/pki/apiserver-etcd-client.crt");
    etcd.put(
        "clientKey",
        b != null ? b.etcdClientKey() : "/etc/kubernetes/pki/apiserver-etcd-client.key");
    doc.put("etcd", etcd);
    Map<String, Object> ssh = new LinkedHashMap<>();
    ssh.put("user", "root");
    ssh.put("port", 22);
    ssh.put("keyRef", s.clientKey());
    ssh.put("knownHosts", s.knownHosts());
    ssh.put("sudo", false);
    doc.put("ssh", ssh);
    List<Map<String, Object>> nodes = new ArrayList<>();
    for (HostState h : s.hosts()) {
      Map<String, Object> n = new LinkedHashMap<>();
      n.put("name", h.name());
      n.put("address", h.address());
      n.put("roles", h.roles());
      Map<String, Object> nssh = new LinkedHashMap<>();
      if (h.sshPort() != 22) {
        nssh.put("port", h.sshPort());
      }
      nssh.put("hostKey", h.hostKey());
      n.put("ssh", nssh);
      nodes.add(n);
    }
    doc.put("nodes", nodes);
    return "# Written by `graft lab up` (lab "
        + s.id()
        + ", "
        + s.kind().label()
        + " hosts).\n"
        + YAML.writeValueAsString(doc);
  }

  /** The bootstrapped cluster's version; before a bootstrap, the version its joins would get. */
  static String version(LabState s) {
    BootstrapState b = s.bootstrap();
    return b != null && b.kubernetesVersion() != null ? b.kubernetesVersion() : KUBERNETES_VERSION;
  }

  public static String kubesprayIni(LabState s) {
    StringBuilder sb =
        new StringBuilder("# Written by `graft lab up` (lab " + s.id() + ").\n[all]\n");
    for (HostState h : s.hosts()) {
      sb.append(h.name())
          .append(" ansible_host=")
          .append(h.address())
          .append(" ip=")
          .append(h.address())
          .append(" ansible_user=root ansible_port=")
          .append(h.sshPort())
          .append(" ansible_ssh_private_key_file=")
          .append(s.clientKey())
          .append('\n');
    }
    sb.append("\n[all:vars]\nansible_ssh_common_args='-o UserKnownHostsFile=")
        .append(s.knownHosts())
        .append(" -o StrictHostKeyChecking=yes'\n");
    sb.append("graft_cluster_name=").append(s.clusterName()).append('\n');
    sb.append("kube_version=").append(version(s)).append('\n');
    if (s.apiEndpoint() != null) {
      sb.append("graft_api_endpoint=").append(s.apiEndpoint()).append('\n');
    }
    if (s.bootstrap() != null) {
      sb.append("graft_kubeconfig=").append(s.kubeconfig()).append('\n');
      // Copies of host 1's etcd client TLS on this machine, where Graft's worker runs.
      sb.append("graft_etcd_ca_file=").append(s.bootstrap().etcdCaCert()).append('\n');
      sb.append("graft_etcd_cert_file=").append(s.bootstrap().etcdClientCert()).append('\n');
      sb.append("graft_etcd_key_file=").append(s.bootstrap().etcdClientKey()).append('\n');
    }
    if (!external(s)) {
      // kubespray's default etcd_deployment_type ("host") means external etcd to Graft.
      sb.append("etcd_deployment_type=kubeadm\n");
    }
    group(sb, "kube_control_plane", s, "control-plane");
    group(sb, "etcd", s, "etcd");
    group(sb, "kube_node", s, "worker");
    sb.append("\n[k8s_cluster:children]\nkube_control_plane\nkube_node\n");
    return sb.toString();
  }

  private static boolean external(LabState s) {
    return s.hosts().stream()
        .anyMatch(h -> h.roles().contains("etcd") && !h.roles().contains("control-plane"));
  }

  private static void group(StringBuilder sb, String group, LabState s, String role) {
    sb.append("\n[").append(group).append("]\n");
    for (HostState h : s.hosts()) {
      if (h.roles().contains(role)) {
        sb.append(h.name()).append('\n');
      }
    }
  }

  /** known_hosts: plain address for port 22, [address]:port otherwise (as OpenSSH writes it). */
  public static String knownHosts(LabState s) {
    StringBuilder sb = new StringBuilder();
    for (HostState h : s.hosts()) {
      String host = h.sshPort() == 22 ? h.address() : "[" + h.address() + "]:" + h.sshPort();
      sb.append(host).append(' ').append(h.hostKey()).append('\n');
    }
    return sb.toString();
  }

  private static Map<String, Object> map(String k1, Object v1, String k2, Object v2) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put(k1, v1);
    m.put(k2, v2);
    return m;
  }
}
