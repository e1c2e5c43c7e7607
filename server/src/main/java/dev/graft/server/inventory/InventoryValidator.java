package dev.graft.server.inventory;

import dev.graft.workflows.model.ClusterSpec;
import dev.graft.workflows.model.EtcdTopology;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.Role;
import dev.graft.workflows.model.SshSpec;
import dev.graft.workflows.model.Taint;
import dev.graft.workflows.plan.Cidr;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Checks an imported inventory before anything is planned. Collects every problem, each with the
 * line it came from, and throws them together. Every value that may later reach a shell command
 * (names, addresses, users, paths) is checked here against a strict pattern: a node named {@code
 * a;rm -rf /} never gets further than this class.
 *
 * <p>There is no switch that disables validation; only named overrides relax one check each ({@code
 * overrides.allowEvenEtcd}).
 */
public final class InventoryValidator {
  private static final Set<String> EFFECTS = Set.of("NoSchedule", "PreferNoSchedule", "NoExecute");
  private static final Set<String> HOST_KEY_TYPES =
      Set.of(
          "ssh-ed25519",
          "ssh-rsa",
          "ecdsa-sha2-nistp256",
          "ecdsa-sha2-nistp384",
          "ecdsa-sha2-nistp521");

  private final HostResolver resolver;
  private final Predicate<String> checkFile;

  /**
   * @param resolver resolves host-name addresses
   * @param checkFiles check that key and known_hosts files exist here and are readable (true
   *     wherever the worker shares this machine's files: the CLI and {@code graft dev})
   */
  public InventoryValidator(HostResolver resolver, boolean checkFiles) {
    this(resolver, path -> checkFiles);
  }

  /**
   * @param checkFile which key and known_hosts paths to look at: the server looks only under its
   *     allowed roots, and not at all for a viewer, so that no answer tells whether a file
   *     elsewhere exists
   */
  public InventoryValidator(HostResolver resolver, Predicate<String> checkFile) {
    this.resolver = resolver;
    this.checkFile = checkFile;
  }

  public void validate(ImportedInventory inv) {
    Problems p = new Problems(inv.file());
    ClusterSpec c = inv.cluster();
    SourcePositions pos = inv.positions();
    cluster(c, pos, p);
    Map<String, String> names = new HashMap<>();
    Map<String, String> addresses = new HashMap<>();
    Map<String, Integer> hostNames = new LinkedHashMap<>();
    List<Cidr> podCidrs = new ArrayList<>();
    Map<Cidr, String> podCidrOwner = new HashMap<>();
    Cidr podNet = parseCidr(c.podNetwork() == null ? null : c.podNetwork().cidr());
    Set<String> checkedFiles = new HashSet<>();

    for (NodeSpec n : c.nodes()) {
      String name = n.name();
      int line = pos.nodeLine(name, "name");
      if (!Names.isDnsSubdomain(name)) {
        p.add(
            line,
            pos.nodeFieldName(name, "name"),
            "\""
                + YRead.clip(String.valueOf(name))
                + "\" is not a valid node name (DNS-1123: lower-case letters, digits, '-' and '.',"
                + " starting and ending with a letter or digit, at most 253)");
      }
      String dup = names.putIfAbsent(name, name);
      if (dup != null) {
        p.add(line, pos.nodeFieldName(name, "name"), "node " + name + " is defined twice");
      }
      String addr = n.address();
      int addrLine = pos.nodeLine(name, "address");
      String addrField = pos.nodeFieldName(name, "address");
      if (addr == null || addr.isBlank()) {
        p.add(addrLine, addrField, "node " + name + " has no address");
      } else if (!Cidr.isAddress(addr)) {
        if (!Names.isHostName(addr) || looksNumeric(addr)) {
          p.add(
              addrLine,
              addrField,
              "\"" + YRead.clip(addr) + "\" is neither an IPv4 address" + " nor a host name");
        } else {
          hostNames.putIfAbsent(addr.toLowerCase(Locale.ROOT), addrLine);
        }
      }
      if (addr != null) {
        String other = addresses.putIfAbsent(addr.toLowerCase(Locale.ROOT), name);
        if (other != null && !other.equals(name)) {
          p.add(addrLine, addrField, "address " + addr + " is also the address of " + other);
        }
      }
      if (n.ip() != null) {
        if (!Cidr.isAddress(n.ip())) {
          p.add(
              pos.nodeLine(name, "ip"),
              pos.nodeFieldName(name, "ip"),
              "\"" + YRead.clip(n.ip()) + "\" is not an IPv4 address");
        } else if (!n.ip().equals(addr)) {
          String other = addresses.putIfAbsent(n.ip(), name);
          if (other != null && !other.equals(name)) {
            p.add(
                pos.nodeLine(name, "ip"),
                pos.nodeFieldName(name, "ip"),
                "IP " + n.ip() + " is also the address of " + other);
          }
        }
      }
      if (n.roles().isEmpty()) {
        p.add(
            pos.nodeLine(name, "roles"),
            pos.nodeFieldName(name, "roles"),
            "node " + name + " has no role (control-plane, etcd, worker, infra)");
      }
      ssh(n.ssh(), c.ssh(), name, pos, p, checkedFiles);
      labelsAndTaints(n, pos, p);
      if (n.podCidr() != null) {
        int l = pos.nodeLine(name, "podCidr");
        String f = pos.nodeFieldName(name, "podCidr");
        try {
          Cidr cidr = Cidr.parse(n.podCidr());
          if (podNet != null && !podNet.contains(cidr)) {
            p.add(l, f, cidr + " lies outside the pod network " + podNet);
          }
          for (Cidr other : podCidrs) {
            if (other.overlaps(cidr)) {
              p.add(l, f, cidr + " overlaps " + other + " of " + podCidrOwner.get(other));
            }
          }
          podCidrs.add(cidr);
          podCidrOwner.put(cidr, name);
        } catch (IllegalArgumentException e) {
          p.add(l, f, e.getMessage());
        }
      }
    }
    etcd(c, pos, p);
    if (!hostNames.isEmpty()) {
      for (String bad : resolver.unresolvable(hostNames.keySet())) {
        p.add(hostNames.get(bad), "address", "host name \"" + bad + "\" does not resolve");
      }
    }
    p.throwIfAny();
  }

  private void cluster(ClusterSpec c, SourcePositions pos, Problems p) {
    if (c.name() == null) {
      p.add(
          pos.clusterLine("name"),
          pos.clusterFieldName("name"),
          "the inventory does not name the"
              + " cluster: set graft_cluster_name (kubespray) or name (Graft YAML), or plan with"
              + " --kubeconfig so that the cluster's kubeadm-config (clusterName) names it");
    } else if (!Names.isDnsLabel(c.name())) {
      p.add(
          pos.clusterLine("name"),
          pos.clusterFieldName("name"),
          "cluster name \""
              + YRead.clip(String.valueOf(c.name()))
              + "\" is not a DNS-1123 label (lower-case"
              + " letters, digits and '-', at most 63)");
    }
    if (c.nodesWith(Role.CONTROL_PLANE).isEmpty()) {
      p.add(pos.clusterLine("nodes"), null, "no node has the control-plane role");
    }
    if (c.kubernetesVersion() != null && !VERSION.matcher(c.kubernetesVersion()).matches()) {
      p.add(
          pos.clusterLine("kubernetesVersion"),
          pos.clusterFieldName("kubernetesVersion"),
          "\"" + YRead.clip(c.kubernetesVersion()) + "\" is not a Kubernetes version (v1.31.2)");
    }
    if (c.apiEndpoint() == null) {
      p.add(
          pos.clusterLine("apiEndpoint"),
          pos.clusterFieldName("apiEndpoint"),
          "the API endpoint is unknown (set it, or give a node the control-plane role)");
    } else if (c.apiEndpoint().length() > 300) {
      p.add(
          pos.clusterLine("apiEndpoint"),
          pos.clusterFieldName("apiEndpoint"),
          "\"" + YRead.clip(c.apiEndpoint()) + "\" is longer than a host name and port can be");
    } else if (pos.clusterLine("apiEndpoint") > 0) {
      // Only a written endpoint is checked here: a derived one is built from a node address,
      // which the node checks already report.
      try {
        URI u = new URI(c.apiEndpoint());
        if (!"https".equals(u.getScheme())
            || u.getHost() == null
            || u.getPort() < 0
            || u.getRawPath() != null && !u.getRawPath().isEmpty() && !u.getRawPath().equals("/")) {
          p.add(
              pos.clusterLine("apiEndpoint"),
              pos.clusterFieldName("apiEndpoint"),
              "\"" + YRead.clip(c.apiEndpoint()) + "\" is not https://host:port");
        }
      } catch (URISyntaxException e) {
        p.add(
            pos.clusterLine("apiEndpoint"),
            pos.clusterFieldName("apiEndpoint"),
            "\"" + YRead.clip(c.apiEndpoint()) + "\" is not a URL");
      }
    }
    Cidr pods = null;
    if (c.podNetwork() == null) {
      p.add(0, "podNetwork", "is missing");
    } else {
      try {
        pods = Cidr.parse(c.podNetwork().cidr());
        int mask = c.podNetwork().nodeMask();
        if (mask < pods.prefix() || mask > 30) {
          p.add(
              pos.clusterLine("podNetwork.nodeMask"),
              pos.clusterFieldName("podNetwork.nodeMask"),
              "/"
                  + mask
                  + " per node must lie between the network's /"
                  + pods.prefix()
                  + " and /30");
        }
      } catch (IllegalArgumentException e) {
        p.add(
            pos.clusterLine("podNetwork.cidr"),
            pos.clusterFieldName("podNetwork.cidr"),
            e.getMessage());
      }
    }
    if (c.serviceCidr() != null) {
      try {
        Cidr services = Cidr.parse(c.serviceCidr());
        if (pods != null && services.overlaps(pods)) {
          p.add(
              pos.clusterLine("serviceCidr"),
              pos.clusterFieldName("serviceCidr"),
              services + " overlaps the pod network " + pods);
        }
      } catch (IllegalArgumentException e) {
        p.add(pos.clusterLine("serviceCidr"), pos.clusterFieldName("serviceCidr"), e.getMessage());
      }
    }
    if (c.kubeconfig() != null) {
      safePath(
          c.kubeconfig(), pos.clusterLine("kubeconfig"), pos.clusterFieldName("kubeconfig"), p);
    }
  }

  private void etcd(ClusterSpec c, SourcePositions pos, Problems p) {
    List<NodeSpec> etcd = c.nodesWith(Role.ETCD);
    int topoLine = pos.clusterLine("etcd.topology");
    if (c.etcd().topology() == EtcdTopology.STACKED) {
      for (NodeSpec n : c.nodes()) {
        if (n.hasRole(Role.ETCD) != n.hasRole(Role.CONTROL_PLANE)) {
          p.add(
              pos.nodeLine(n.name(), "roles"),
              pos.nodeFieldName(n.name(), "roles"),
              "with stacked etcd (kubeadm) node "
                  + n.name()
                  + " needs both control-plane and"
                  + " etcd, or neither");
        }
      }
    }
    if (etcd.isEmpty() && c.etcd().endpoints().isEmpty()) {
      p.add(topoLine, "etcd", "no node has the etcd role and no etcd endpoints are given");
    }
    if (!etcd.isEmpty() && etcd.size() % 2 == 0 && !c.overrides().allowEvenEtcd()) {
      int line = pos.nodeLine(etcd.get(etcd.size() - 1).name(), "roles");
      p.add(
          line,
          "etcd",
          etcd.size()
              + " etcd nodes: an even member count tolerates no more"
              + " failures than "
              + (etcd.size() - 1)
              + "; add or remove one, or set the override "
              + pos.clusterFieldName("overrides.allowEvenEtcd")
              + " to accept it");
    }
    for (String e : c.etcd().endpoints()) {
      try {
        URI u = new URI(e);
        if (!("https".equals(u.getScheme()) || "http".equals(u.getScheme()))
            || u.getHost() == null) {
          p.add(
              pos.clusterLine("etcd.endpoints"),
              "etcd.endpoints",
              "\"" + YRead.clip(e) + "\" is not http(s)://host:port");
        }
      } catch (URISyntaxException ex) {
        p.add(
            pos.clusterLine("etcd.endpoints"),
            "etcd.endpoints",
            "\"" + YRead.clip(e) + "\" is not a URL");
      }
    }
  }

  private void ssh(
      SshSpec own,
      SshSpec defaults,
      String node,
      SourcePositions pos,
      Problems p,
      Set<String> checkedFiles) {
    SshSpec eff = own.over(defaults);
    if (eff.user() != null && !Names.isUserName(eff.user())) {
      p.add(
          line(own.user(), node, "ssh.user", pos),
          field(own.user(), node, "ssh.user", pos),
          "\"" + YRead.clip(eff.user()) + "\" is not a valid user name");
    }
    if (eff.keyRef() != null) {
      file(eff.keyRef(), own.keyRef(), node, "ssh.keyRef", "SSH key", pos, p, checkedFiles);
    }
    if (eff.knownHosts() != null) {
      file(
          eff.knownHosts(),
          own.knownHosts(),
          node,
          "ssh.knownHosts",
          "known_hosts file",
          pos,
          p,
          checkedFiles);
    }
    if (eff.hostKey() != null && !validHostKey(eff.hostKey())) {
      p.add(
          line(own.hostKey(), node, "ssh.hostKey", pos),
          field(own.hostKey(), node, "ssh.hostKey", pos),
          "host key must be \"<type> <base64>\" with type one of "
              + String.join(", ", HOST_KEY_TYPES));
    }
  }

  private void file(
      String path,
      String own,
      String node,
      String field,
      String what,
      SourcePositions pos,
      Problems p,
      Set<String> checked) {
    int l = line(own, node, field, pos);
    String f = field(own, node, field, pos);
    if (!safePath(path, l, f, p) || !checkFile.test(path) || !checked.add(path)) {
      return;
    }
    Path file = expand(path);
    if (!Files.isRegularFile(file)) {
      p.add(l, f, what + " " + path + " does not exist (or is not a file)");
    } else if (!Files.isReadable(file)) {
      p.add(l, f, what + " " + path + " is not readable");
    }
  }

  /**
   * Paths reach a worker's shell (quoted, and refused there too); here they are held to what file
   * names of keys, certificates and kubeconfigs look like: no shell metacharacters, no spaces, no
   * {@code ..} segments, at most 1024 characters.
   */
  static final Pattern PATH = Pattern.compile("^~?[A-Za-z0-9._/@+=,:-]{1,1024}$");

  /** v1.31.2, 1.31, v1.31.0-rc.1: a Kubernetes release, not a place for shell or markup. */
  static final Pattern VERSION =
      Pattern.compile("^v?[0-9]{1,3}\\.[0-9]{1,3}(\\.[0-9]{1,3})?([-+][0-9A-Za-z.-]{1,40})?$");

  private static boolean safePath(String path, int line, String field, Problems p) {
    boolean ok =
        !path.isBlank()
            && PATH.matcher(path).matches()
            && !Arrays.asList(path.split("/")).contains("..");
    if (ok) {
      try {
        Path.of(path);
      } catch (InvalidPathException e) {
        ok = false;
      }
    }
    if (!ok) {
      p.add(line, field, "\"" + YRead.clip(path) + "\" is not a usable path");
    }
    return ok;
  }

  private static Path expand(String path) {
    if (path.equals("~") || path.startsWith("~/")) {
      return Path.of(System.getProperty("user.home") + path.substring(1));
    }
    return Path.of(path);
  }

  /** A node's own setting is positioned at the node; an inherited one at the cluster default. */
  private static int line(String own, String node, String field, SourcePositions pos) {
    int l = own != null ? pos.nodeLine(node, field) : pos.clusterLine(field);
    return l > 0 ? l : pos.nodeLine(node, "name");
  }

  private static String field(String own, String node, String field, SourcePositions pos) {
    return own != null ? pos.nodeFieldName(node, field) : pos.clusterFieldName(field);
  }

  private static void labelsAndTaints(NodeSpec n, SourcePositions pos, Problems p) {
    int ll = pos.nodeLine(n.name(), "labels");
    String lf = pos.nodeFieldName(n.name(), "labels");
    for (Map.Entry<String, String> e : n.labels().entrySet()) {
      if (!Names.isQualifiedName(e.getKey())) {
        p.add(
            ll,
            lf,
            "label key \""
                + YRead.clip(e.getKey())
                + "\" is not a valid Kubernetes"
                + " label key");
      }
      if (!Names.isLabelValue(e.getValue())) {
        p.add(
            ll,
            lf,
            "label "
                + YRead.clip(e.getKey())
                + " has an invalid value \""
                + YRead.clip(e.getValue())
                + "\"");
      }
    }
    int tl = pos.nodeLine(n.name(), "taints");
    String tf = pos.nodeFieldName(n.name(), "taints");
    for (Taint t : n.taints()) {
      if (!Names.isQualifiedName(t.key())) {
        p.add(tl, tf, "taint key \"" + YRead.clip(t.key()) + "\" is not a valid key");
      }
      if (!Names.isLabelValue(t.value())) {
        p.add(tl, tf, "taint " + YRead.clip(t.key()) + " has an invalid value");
      }
      if (!EFFECTS.contains(t.effect())) {
        p.add(
            tl,
            tf,
            "taint effect \""
                + YRead.clip(t.effect())
                + "\" is not one of"
                + " NoSchedule, PreferNoSchedule, NoExecute");
      }
    }
  }

  static boolean validHostKey(String key) {
    String[] parts = key.strip().split("\\s+");
    if (parts.length < 2 || !HOST_KEY_TYPES.contains(parts[0])) {
      return false;
    }
    try {
      return Base64.getDecoder().decode(parts[1]).length > 16;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** "10.1" or "1.2.3" are not host names operators mean; refuse them instead of resolving. */
  private static boolean looksNumeric(String s) {
    return s.chars().allMatch(ch -> Character.isDigit(ch) || ch == '.');
  }

  private static Cidr parseCidr(String s) {
    try {
      return s == null ? null : Cidr.parse(s);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
