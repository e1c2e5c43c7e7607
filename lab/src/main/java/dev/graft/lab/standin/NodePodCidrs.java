package dev.graft.lab.standin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What kube-apiserver does with a Node's pod CIDRs, which the CRUD mock does not: {@code
 * spec.podCIDR} and {@code spec.podCIDRs} are kept in step (the v1 conversion fills podCIDRs from
 * podCIDR, and podCIDR is podCIDRs[0]), each must be a CIDR, and once a Node has pod CIDRs an
 * update may not change them (ValidateNodeUpdate: {@code spec.podCIDRs: Forbidden: node updates may
 * not change podCIDR except from "" to valid}).
 */
final class NodePodCidrs {
  private static final Pattern V4 = Pattern.compile("(\\d{1,3}\\.){3}\\d{1,3}/\\d{1,2}");
  private static final Pattern V6 = Pattern.compile("[0-9A-Fa-f:]+:[0-9A-Fa-f:]*/\\d{1,3}");

  private NodePodCidrs() {}

  /** Fills podCIDRs from podCIDR (or podCIDR from podCIDRs[0]) in place. */
  static void normalize(JsonNode node) {
    if (!(node instanceof ObjectNode o) || !(o.get("spec") instanceof ObjectNode spec)) {
      return;
    }
    String single = spec.path("podCIDR").asText("");
    List<String> list = new ArrayList<>();
    spec.path("podCIDRs").forEach(e -> list.add(e.asText()));
    if (list.isEmpty() && !single.isEmpty()) {
      ArrayNode a = JsonNodeFactory.instance.arrayNode();
      a.add(single);
      spec.set("podCIDRs", a);
    } else if (!list.isEmpty()) {
      spec.put("podCIDR", list.get(0));
    }
  }

  /** The API's message for an invalid Node, or null when the pod CIDRs are acceptable. */
  static String invalid(String name, JsonNode oldNode, JsonNode newNode) {
    List<String> now = list(newNode.path("spec"));
    for (int i = 0; i < now.size(); i++) {
      String c = now.get(i);
      if (!V4.matcher(c).matches() && !V6.matcher(c).matches()) {
        return "Node \""
            + name
            + "\" is invalid: spec.podCIDRs["
            + i
            + "]: Invalid value: \""
            + c
            + "\": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)";
      }
    }
    if (now.size() > 2) {
      return "Node \""
          + name
          + "\" is invalid: spec.podCIDRs: Too many: "
          + now.size()
          + ": must have at most 2 items";
    }
    if (oldNode == null) {
      return null;
    }
    List<String> before = list(oldNode.path("spec"));
    if (!before.isEmpty() && !before.equals(now)) {
      return "Node \""
          + name
          + "\" is invalid: spec.podCIDRs: Forbidden: node updates may not change"
          + " podCIDR except from \"\" to valid";
    }
    return null;
  }

  private static List<String> list(JsonNode spec) {
    List<String> out = new ArrayList<>();
    JsonNode a = spec.path("podCIDRs");
    if (a.isArray()) {
      a.forEach(e -> out.add(e.asText()));
    }
    if (out.isEmpty() && !spec.path("podCIDR").asText("").isEmpty()) {
      out.add(spec.path("podCIDR").asText());
    }
    return out;
  }
}
