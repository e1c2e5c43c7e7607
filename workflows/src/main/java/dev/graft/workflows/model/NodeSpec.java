package dev.graft.workflows.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One node as the inventory describes it.
 *
 * @param name Kubernetes node name (DNS-1123 subdomain)
 * @param address the SSH host: an IPv4 address or a resolvable host name
 * @param ip the node IP that Kubernetes and pod routes use; {@code null} means "same as address"
 *     (kubespray's {@code ip} variable)
 * @param roles what the node is; kept sorted in {@link Role} order, without duplicates
 * @param ssh per-node SSH overrides, layered over the cluster's {@link ClusterSpec#ssh()}
 * @param labels extra Node labels, kept sorted so that plans and histories are deterministic
 * @param taints Node taints, in inventory order
 * @param podCidr the node's pod CIDR if the inventory fixes it; otherwise the planner allocates one
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NodeSpec(
    String name,
    String address,
    String ip,
    List<Role> roles,
    SshSpec ssh,
    Map<String, String> labels,
    List<Taint> taints,
    String podCidr) {
  public NodeSpec {
    EnumSet<Role> set = EnumSet.noneOf(Role.class);
    if (roles != null) {
      for (Role r : roles) {
        if (r != null) {
          set.add(r);
        }
      }
    }
    roles = List.copyOf(set);
    ssh = ssh == null ? SshSpec.EMPTY : ssh;
    labels = labels == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(labels));
    taints = taints == null ? List.of() : List.copyOf(taints);
  }

  public boolean hasRole(Role role) {
    return roles.contains(role);
  }

  /** The address pod routes point at: {@code ip} when known, else the SSH address. */
  @JsonIgnore
  public String routeAddress() {
    return ip != null ? ip : address;
  }

  /** A node known by its name only (a Node object whose host the inventory does not list). */
  public static NodeSpec named(String name) {
    return new NodeSpec(name, null, null, null, null, null, null, null);
  }

  public NodeSpec withSsh(SshSpec settings) {
    return new NodeSpec(name, address, ip, roles, settings, labels, taints, podCidr);
  }

  public NodeSpec withPodCidr(String cidr) {
    return new NodeSpec(name, address, ip, roles, ssh, labels, taints, cidr);
  }
}
