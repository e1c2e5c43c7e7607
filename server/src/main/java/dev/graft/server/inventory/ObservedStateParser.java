package dev.graft.server.inventory;

import dev.graft.workflows.model.Role;
import dev.graft.workflows.plan.EtcdMember;
import dev.graft.workflows.plan.ObservedCluster;
import dev.graft.workflows.plan.ObservedNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads an observed-state file ({@code graft plan --observed}; format in docs/inventory.md): the
 * nodes registered in the cluster and the etcd members, as YAML or JSON. {@code healthy} has no
 * default on purpose: assuming health is how a quorum gets lost.
 */
public final class ObservedStateParser {
  private static final Set<String> TOP = Set.of("nodes", "etcdMembers");
  private static final Set<String> NODE = Set.of("name", "address", "roles", "podCidr", "podCIDR");
  private static final Set<String> MEMBER =
      Set.of("name", "id", "peerUrl", "peerURL", "healthy", "learner");

  private ObservedStateParser() {}

  public static ObservedCluster load(Path path) {
    try {
      if (Files.size(path) > YamlTree.MAX_CHARS) {
        throw new InventoryException(
            new InventoryError(path.toString(), 0, null, "file is larger than 4 MiB"));
      }
      return parse(path.toString(), Files.readString(path, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new InventoryException(
          new InventoryError(path.toString(), 0, null, "cannot read the file: " + e));
    }
  }

  public static ObservedCluster parse(String file, String text) {
    Problems p = new Problems(file);
    List<YNode> docs = YamlTree.parseAll(text, p);
    YRead r = new YRead(p);
    if (docs.size() != 1) {
      throw p.fatal(
          docs.isEmpty() ? 0 : docs.get(1).line(),
          null,
          "expected one document with nodes: and etcdMembers:");
    }
    YNode.YMap top = r.map(docs.get(0), "(document)");
    p.throwIfAny();
    if (top == null) {
      throw p.fatal(docs.get(0).line(), null, "expected a mapping with nodes: and etcdMembers:");
    }
    r.allowOnly(top, "", TOP);
    List<ObservedNode> nodes = new ArrayList<>();
    YNode.YSeq ns = r.seq(top.get("nodes"), "nodes");
    if (ns != null) {
      for (int i = 0; i < ns.items().size(); i++) {
        String prefix = "nodes[" + i + "].";
        YNode.YMap m = r.map(ns.items().get(i), "nodes[" + i + "]");
        if (m == null) {
          continue;
        }
        r.allowOnly(m, prefix, NODE);
        String name = r.required(m, "name", prefix + "name", m.line());
        List<Role> roles = new ArrayList<>();
        YNode.YSeq rs = r.seq(m.get("roles"), prefix + "roles");
        if (rs != null) {
          for (YNode rn : rs.items()) {
            String v = r.string(rn, prefix + "roles");
            Role role = Role.tryParse(v);
            if (v != null && role == null) {
              p.add(rn.line(), prefix + "roles", "unknown role \"" + YRead.clip(v) + "\"");
            }
            roles.add(role);
          }
        }
        String cidr =
            r.string(
                m.get("podCidr") != null ? m.get("podCidr") : m.get("podCIDR"), prefix + "podCidr");
        nodes.add(
            new ObservedNode(name, r.string(m.get("address"), prefix + "address"), roles, cidr));
      }
    }
    List<EtcdMember> members = new ArrayList<>();
    YNode.YSeq ms = r.seq(top.get("etcdMembers"), "etcdMembers");
    if (ms != null) {
      for (int i = 0; i < ms.items().size(); i++) {
        String prefix = "etcdMembers[" + i + "].";
        YNode.YMap m = r.map(ms.items().get(i), "etcdMembers[" + i + "]");
        if (m == null) {
          continue;
        }
        r.allowOnly(m, prefix, MEMBER);
        String name = r.string(m.get("name"), prefix + "name");
        String peer =
            r.string(
                m.get("peerUrl") != null ? m.get("peerUrl") : m.get("peerURL"), prefix + "peerUrl");
        Boolean healthy = r.bool(m.get("healthy"), prefix + "healthy");
        if (m.get("healthy") == null) {
          p.add(
              m.line(),
              prefix + "healthy",
              "is required (true or false); Graft never assumes" + " a member is healthy");
        }
        Boolean learner = r.bool(m.get("learner"), prefix + "learner");
        if (name == null && peer == null) {
          p.add(m.line(), prefix + "name", "a member needs a name or a peerUrl");
        }
        members.add(
            new EtcdMember(
                name == null ? "" : name,
                r.string(m.get("id"), prefix + "id"),
                peer,
                healthy != null && healthy,
                learner != null && learner));
      }
    }
    p.throwIfAny();
    return new ObservedCluster(nodes, members);
  }
}
