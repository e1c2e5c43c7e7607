package dev.graft.lab.standin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.List;

/**
 * etcd's v3 JSON gateway (/v3/cluster/member/*), which kubeadm's etcd client reaches over gRPC. The
 * stand-in uses HTTP+JSON with the same client certificate so that it needs no gRPC stack.
 */
final class EtcdGateway {
  private final KubeRest http;

  EtcdGateway(String endpoint, String caPem, String certPem, String keyPem) throws IOException {
    this.http =
        KubeRest.fromKubeconfig(
            new Kubeconfig("etcd", endpoint, caPem, "etcd", certPem, keyPem, null));
  }

  JsonNode members() throws IOException {
    return http.send("POST", "/v3/cluster/member/list", "{}", "application/json")
        .require("etcd member list")
        .path("members");
  }

  /** Adds a member; returns the response with the new member and the member list. */
  JsonNode add(String peerUrl, boolean learner) throws IOException {
    ObjectNode body = KubeRest.JSON.createObjectNode();
    body.putArray("peerURLs").add(peerUrl);
    body.put("isLearner", learner);
    return http.send("POST", "/v3/cluster/member/add", body.toString(), "application/json")
        .require("etcd member add " + peerUrl);
  }

  void promote(String id) throws IOException {
    http.send("POST", "/v3/cluster/member/promote", "{\"ID\":\"" + id + "\"}", "application/json")
        .require("etcd member promote " + id);
  }

  void remove(String id) throws IOException {
    http.send("POST", "/v3/cluster/member/remove", "{\"ID\":\"" + id + "\"}", "application/json")
        .require("etcd member remove " + id);
  }

  static String idOf(JsonNode member) {
    return member.path("ID").asText();
  }

  static List<String> peerUrls(JsonNode member) {
    return KubeRest.JSON.convertValue(
        member.path("peerURLs"),
        KubeRest.JSON.getTypeFactory().constructCollectionType(List.class, String.class));
  }
}
