package dev.graft.activities.upgrade;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodList;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetList;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The fabric8 CRUD mock server with the policy/v1 Eviction subresource, as the API server answers
 * it: 404 for a pod that is not there, 429 TooManyRequests while a PodDisruptionBudget that covers
 * the pod allows no disruption, otherwise the pod is deleted and the budget's disruptionsAllowed
 * goes down by one (until the disruption controller recomputes it). It also evaluates the pod field
 * selector {@code spec.nodeName=}, as the API server does.
 */
final class EvictingCrudDispatcher extends KubernetesCrudDispatcher {
  private static final Pattern EVICTION =
      Pattern.compile("/api/v1/namespaces/([^/]+)/pods/([^/?]+)/eviction.*");

  private static final Pattern NODE_NAME_SELECTOR =
      Pattern.compile("[?&]fieldSelector=spec\\.nodeName(?:%3D|=)([^&]+)");

  /** Every eviction asked for, "ns/name -> code". */
  final List<String> evictions = new CopyOnWriteArrayList<>();

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    Matcher byNode = NODE_NAME_SELECTOR.matcher(request.getPath());
    if ("GET".equals(request.getMethod()) && byNode.find()) {
      return podsOnNode(
          request.getPath(), URLDecoder.decode(byNode.group(1), StandardCharsets.UTF_8));
    }
    Matcher m = EVICTION.matcher(request.getPath());
    if (!"POST".equals(request.getMethod()) || !m.matches()) {
      return super.dispatch(request);
    }
    String ns = m.group(1);
    String name = m.group(2);
    String podPath = "/api/v1/namespaces/" + ns + "/pods/" + name;
    MockResponse got = handleGet(podPath);
    if (got.code() != 200) {
      evictions.add(ns + "/" + name + " -> 404");
      return status(404, "NotFound", "pods \"" + name + "\" not found");
    }
    Pod pod = Serialization.unmarshal(body(got), Pod.class);
    String pdbsPath = "/apis/policy/v1/namespaces/" + ns + "/poddisruptionbudgets";
    MockResponse list = handleGet(pdbsPath);
    List<PodDisruptionBudget> pdbs =
        list.code() == 200
            ? Serialization.unmarshal(body(list), PodDisruptionBudgetList.class).getItems()
            : List.of();
    for (PodDisruptionBudget pdb : pdbs) {
      if (Selectors.covers(pdb, pod) && Selectors.disruptionsAllowed(pdb) <= 0) {
        evictions.add(ns + "/" + name + " -> 429");
        return status(
            429,
            "TooManyRequests",
            "Cannot evict pod as it would violate the pod's disruption budget.");
      }
    }
    for (PodDisruptionBudget pdb : pdbs) {
      if (Selectors.covers(pdb, pod)) {
        pdb.getStatus().setDisruptionsAllowed(Selectors.disruptionsAllowed(pdb) - 1);
        handleUpdate(pdbsPath + "/" + pdb.getMetadata().getName(), Serialization.asJson(pdb));
      }
    }
    handleDelete(podPath);
    evictions.add(ns + "/" + name + " -> 201");
    return status(201, "Success", "");
  }

  /** The pod field selector {@code spec.nodeName=<node>}, which the CRUD mock does not evaluate. */
  private MockResponse podsOnNode(String path, String node) {
    String without = path.replaceAll("[?&]fieldSelector=[^&]*", "");
    MockResponse all =
        handleGet(
            without.contains("?") || !without.contains("&")
                ? without
                : without.replaceFirst("&", "?"));
    if (all.code() != 200) {
      return all;
    }
    PodList list = Serialization.unmarshal(body(all), PodList.class);
    list.setItems(
        list.getItems().stream()
            .filter(p -> p.getSpec() != null && node.equals(p.getSpec().getNodeName()))
            .toList());
    return new MockResponse().setResponseCode(200).setBody(Serialization.asJson(list));
  }

  private static String body(MockResponse r) {
    return r.getBody().readUtf8();
  }

  private static MockResponse status(int code, String reason, String message) {
    String status = code < 300 ? "Success" : "Failure";
    return new MockResponse()
        .setResponseCode(code)
        .setBody(
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\""
                + status
                + "\",\"reason\":\""
                + reason
                + "\",\"message\":\""
                + message
                + "\",\"code\":"
                + code
                + "}");
  }
}
