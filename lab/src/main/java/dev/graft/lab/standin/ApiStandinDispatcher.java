package dev.graft.lab.standin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodList;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetList;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.zjsonpatch.JsonPatch;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * fabric8's CRUD dispatcher with the behaviours of a real API server that Graft relies on and the
 * mock lacks (each verified by ApiStandinTest):
 *
 * <ul>
 *   <li>server-side apply (PATCH application/apply-patch+yaml) creates a missing object and merges
 *       into an existing one; the mock answers 415. Approximation: RFC 7386 merge, no
 *       managedFields, no field-ownership conflicts, fields dropped from a later apply are not
 *       removed;
 *   <li>strategic merge patch is treated as a JSON merge patch (lists are replaced);
 *   <li>JSON merge patch follows RFC 7386 (the mock appends to lists instead of replacing them);
 *   <li>writes (PUT, merge patch, JSON patch) to the main resource of a Node, Pod or CSR leave its
 *       status alone, as the real API does for kinds with a status subresource;
 *   <li>Secret stringData is folded into base64 data on create and update;
 *   <li>evictions (POST pods/NAME/eviction) honour PodDisruptionBudgets (429) and delete the pod
 *       otherwise; the plain mock has no eviction subresource;
 *   <li>a Node's spec.podCIDR and spec.podCIDRs are kept in step, must be CIDRs, and cannot change
 *       once set (422, in the API's words): see {@link NodePodCidrs}.
 * </ul>
 */
final class ApiStandinDispatcher extends KubernetesCrudDispatcher {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Pattern OBJECT_PATH =
      Pattern.compile(
          "^(/api/v1|/apis/[^/]+/[^/]+)(/namespaces/[^/]+)?/([a-z]+)/([^/?]+)(/status)?(\\?.*)?$");

  /** A pod list, in one namespace or all, whose field selector is exactly spec.nodeName=<node>. */
  private static final Pattern POD_LIST_ON_NODE =
      Pattern.compile(
          "^(/api/v1(?:/namespaces/[^/]+)?/pods)\\?(.*?)&?fieldSelector=spec\\.nodeName(?:%3D|=)([^&]+)(.*)$");

  private static final Pattern EVICTION =
      Pattern.compile("^/api/v1/namespaces/([^/]+)/pods/([^/?]+)/eviction(\\?.*)?$");
  private static final Set<String> STATUS_KINDS =
      Set.of("nodes", "pods", "certificatesigningrequests");

  /** Sent by the stand-in's own controllers, which a fault must not hit (see {@link ApiFaults}). */
  static final String INTERNAL_HEADER = "X-Graft-Lab-Internal";

  /**
   * Marks an answer that {@link TlsFront} must not deliver: it closes the client's connection
   * instead (the mock server itself cannot drop a connection on purpose).
   */
  static final String CLOSE_HEADER = "X-Graft-Lab-Fault";

  private final ApiFaults faults;

  ApiStandinDispatcher() {
    this(new ApiFaults());
  }

  ApiStandinDispatcher(ApiFaults faults) {
    this.faults = faults;
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    if (request.getHeader(INTERNAL_HEADER) == null) {
      ApiFaults.Kind fault = faults.decide(request.getMethod(), request.getPath());
      if (fault == ApiFaults.Kind.ERROR_500) {
        return status(
            500, "InternalError", "injected by the lab: the API server failed this request");
      }
      if (fault == ApiFaults.Kind.CLOSE) {
        return status(500, "InternalError", "injected by the lab: connection closed")
            .setHeader(CLOSE_HEADER, "close");
      }
    }
    return super.dispatch(request);
  }

  /**
   * A pod list with {@code fieldSelector=spec.nodeName=<node>} (what {@code kubectl drain} and
   * Graft's drain send): the CRUD mock matches field selectors on metadata only and answered an
   * empty list, so a drain found nothing to evict. The list is read without the selector and
   * filtered here, as the API server filters it.
   */
  @Override
  public MockResponse handleGet(String path) {
    Matcher m = POD_LIST_ON_NODE.matcher(path);
    if (!m.matches()) {
      return super.handleGet(path);
    }
    String node = URLDecoder.decode(m.group(3), StandardCharsets.UTF_8);
    String rest = (m.group(2) + "&" + m.group(4)).replaceAll("&&+", "&").replaceAll("^&|&$", "");
    MockResponse all = super.handleGet(m.group(1) + (rest.isEmpty() ? "" : "?" + rest));
    if (all.code() != 200) {
      return all;
    }
    try {
      ObjectNode list = (ObjectNode) JSON.readTree(all.getBody().readUtf8());
      ArrayNode kept = JSON.createArrayNode();
      for (JsonNode pod : list.path("items")) {
        if (node.equals(pod.path("spec").path("nodeName").asText())) {
          kept.add(pod);
        }
      }
      list.set("items", kept);
      return new MockResponse().setResponseCode(200).setBody(JSON.writeValueAsString(list));
    } catch (IOException | RuntimeException e) {
      return status(
          500, "InternalError", "the lab's API stand-in could not filter pods by node: " + e);
    }
  }

  @Override
  public MockResponse handleCreate(RecordedRequest request) {
    Matcher ev = EVICTION.matcher(request.getPath());
    if (ev.matches()) {
      return evict(ev.group(1), ev.group(2));
    }
    String body = foldStringData(request.getPath(), request.getUtf8Body());
    if (stripQuery(request.getPath()).equals("/api/v1/nodes")) {
      try {
        JsonNode created = JSON.readTree(body);
        NodePodCidrs.normalize(created);
        String why =
            NodePodCidrs.invalid(created.path("metadata").path("name").asText(), null, created);
        if (why != null) {
          return status(422, "Invalid", why);
        }
        body = JSON.writeValueAsString(created);
      } catch (IOException e) {
        // A body that does not parse is left for the dispatcher to reject as the API would.
      }
    }
    return super.handleCreate(
        rewrite(request, request.getPath(), body, request.getHeader("Content-Type")));
  }

  @Override
  public MockResponse handleUpdate(RecordedRequest request) {
    String body = foldStringData(request.getPath(), request.getUtf8Body());
    Matcher m = OBJECT_PATH.matcher(request.getPath());
    if (m.matches() && m.group(5) == null && STATUS_KINDS.contains(m.group(3))) {
      body = keepStatus(request.getPath(), body);
    }
    if (m.matches() && m.group(5) == null && "nodes".equals(m.group(3))) {
      MockResponse refused = checkNode(m.group(4), stripQuery(request.getPath()), body);
      if (refused != null) {
        return refused;
      }
      body = normalizedNode(body);
    }
    return super.handleUpdate(
        rewrite(request, request.getPath(), body, request.getHeader("Content-Type")));
  }

  /**
   * The eviction subresource (policy/v1 Eviction): deletes the pod unless a PodDisruptionBudget
   * forbids it, with the API server's answers (429 TooManyRequests and the budget's cause; 500 when
   * several budgets cover the pod; 404 for a missing pod; 201 Success).
   */
  private MockResponse evict(String ns, String name) {
    String podPath = "/api/v1/namespaces/" + ns + "/pods/" + name;
    MockResponse live = super.handleGet(podPath);
    if (live.code() != 200) {
      return status(404, "NotFound", "pods \"" + name + "\" not found");
    }
    Pod pod = Serialization.unmarshal(live.getBody().readUtf8(), Pod.class);
    MockResponse budgets =
        super.handleGet("/apis/policy/v1/namespaces/" + ns + "/poddisruptionbudgets");
    List<PodDisruptionBudget> pdbs =
        budgets.code() == 200
            ? Serialization.unmarshal(budgets.getBody().readUtf8(), PodDisruptionBudgetList.class)
                .getItems()
            : List.of();
    MockResponse podList = super.handleGet("/api/v1/namespaces/" + ns + "/pods");
    List<Pod> pods =
        podList.code() == 200
            ? Serialization.unmarshal(podList.getBody().readUtf8(), PodList.class).getItems()
            : List.of(pod);
    String[] refused = DisruptionStandin.blocking(pod, pdbs, pods);
    if (refused != null) {
      int code = Integer.parseInt(refused[0]);
      MockResponse r = status(code, code == 429 ? "TooManyRequests" : "InternalError", refused[1]);
      if (!refused[2].isEmpty()) {
        try {
          ObjectNode s = (ObjectNode) JSON.readTree(r.getBody().readUtf8());
          s.putObject("details")
              .putArray("causes")
              .addObject()
              .put("reason", "DisruptionBudget")
              .put("message", refused[2]);
          r = new MockResponse().setResponseCode(code).setBody(s.toString());
        } catch (IOException e) {
          // The refusal without its cause is still the refusal.
        }
      }
      return r;
    }
    super.handleDelete(podPath);
    ObjectNode ok = JSON.createObjectNode();
    ok.put("kind", "Status").put("apiVersion", "v1").put("status", "Success").put("code", 201);
    ok.putObject("metadata");
    return new MockResponse().setResponseCode(201).setBody(ok.toString());
  }

  /** 422 when the new Node's pod CIDRs are invalid or change the live ones; null when fine. */
  private MockResponse checkNode(String name, String objectPath, String body) {
    try {
      JsonNode next = JSON.readTree(body);
      NodePodCidrs.normalize(next);
      MockResponse live = super.handleGet(objectPath);
      JsonNode old = live.code() == 200 ? JSON.readTree(live.getBody().readUtf8()) : null;
      String why = NodePodCidrs.invalid(name, old, next);
      return why == null ? null : status(422, "Invalid", why);
    } catch (IOException e) {
      return null;
    }
  }

  private static String normalizedNode(String body) {
    try {
      JsonNode n = JSON.readTree(body);
      NodePodCidrs.normalize(n);
      return JSON.writeValueAsString(n);
    } catch (IOException e) {
      return body;
    }
  }

  /**
   * A patch of a Node's main resource, applied here to the live object so that pod CIDRs are
   * normalized and checked as the API does, then stored as an update of the whole object (the live
   * resourceVersion carries over unless the patch names one: a stale one then conflicts).
   */
  private MockResponse patchNode(
      RecordedRequest request, String objectPath, String name, String type, String body)
      throws IOException {
    MockResponse live = super.handleGet(objectPath);
    if (live.code() != 200) {
      return status(404, "NotFound", "nodes \"" + name + "\" not found");
    }
    JsonNode current = JSON.readTree(live.getBody().readUtf8());
    JsonNode next;
    try {
      next =
          type.startsWith("application/json-patch")
              ? JsonPatch.apply(JSON.readTree(body), current)
              : mergePatch(current.deepCopy(), JSON.readTree(body));
    } catch (RuntimeException e) {
      return status(422, "Invalid", "the patch does not apply: " + e.getMessage());
    }
    if (current.has("status")) {
      ((ObjectNode) next).set("status", current.get("status"));
    }
    NodePodCidrs.normalize(next);
    String why = NodePodCidrs.invalid(name, current, next);
    if (why != null) {
      return status(422, "Invalid", why);
    }
    return super.handleUpdate(
        rewrite(request, objectPath, JSON.writeValueAsString(next), "application/json"));
  }

  @Override
  public MockResponse handlePatch(RecordedRequest request) {
    // The request body is a stream: read it once, and always hand the dispatcher a fresh request.
    String type = String.valueOf(request.getHeader("Content-Type"));
    String body = request.getUtf8Body();
    String path = request.getPath();
    Matcher m = OBJECT_PATH.matcher(path);
    try {
      if (type.startsWith("application/apply-patch")) {
        if (!m.matches()) {
          return status(400, "BadRequest", "server-side apply needs an object path");
        }
        body = JSON.writeValueAsString(YAML.readTree(body));
        String objectPath =
            m.group(1)
                + (m.group(2) == null ? "" : m.group(2))
                + "/"
                + m.group(3)
                + "/"
                + m.group(4);
        if (super.handleGet(objectPath).code() == 404) {
          if (m.group(5) != null) {
            return status(404, "NotFound", m.group(3) + " \"" + m.group(4) + "\" not found");
          }
          String collection =
              m.group(1) + (m.group(2) == null ? "" : m.group(2)) + "/" + m.group(3);
          return handleCreate(rewrite(request, collection, body, "application/json"));
        }
        type = "application/merge-patch+json";
      } else if (type.startsWith("application/strategic-merge-patch")) {
        type = "application/merge-patch+json";
      }
      if (m.matches() && m.group(5) == null && STATUS_KINDS.contains(m.group(3))) {
        JsonNode patch = JSON.readTree(body);
        if (patch instanceof ObjectNode o && o.has("status")) {
          o.remove("status");
          body = JSON.writeValueAsString(o);
        } else if (patch instanceof ArrayNode ops) {
          // JSON patch (what fabric8's edit() sends): drop operations on /status.
          ArrayNode kept = JSON.createArrayNode();
          ops.forEach(
              op -> {
                if (!op.path("path").asText().startsWith("/status")) {
                  kept.add(op);
                }
              });
          body = JSON.writeValueAsString(kept);
        }
      }
      if (m.matches() && m.group(5) == null && m.group(2) == null && "nodes".equals(m.group(3))) {
        return patchNode(request, m.group(1) + "/nodes/" + m.group(4), m.group(4), type, body);
      }
    } catch (IOException e) {
      return status(400, "BadRequest", "cannot parse patch body: " + e.getMessage());
    }
    return super.handlePatch(rewrite(request, path, body, type));
  }

  /** RFC 7386 JSON merge patch: objects merge recursively, null deletes, anything else replaces. */
  @Override
  public JsonNode merge(JsonNode current, String patch) {
    try {
      return mergePatch(current.deepCopy(), JSON.readTree(patch));
    } catch (IOException e) {
      throw new IllegalArgumentException("bad merge patch: " + e.getMessage(), e);
    }
  }

  static JsonNode mergePatch(JsonNode target, JsonNode patch) {
    if (!patch.isObject()) {
      return patch;
    }
    ObjectNode result =
        target != null && target.isObject() ? (ObjectNode) target : JSON.createObjectNode();
    Iterator<Map.Entry<String, JsonNode>> it = patch.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getValue().isNull()) {
        result.remove(e.getKey());
      } else {
        result.set(e.getKey(), mergePatch(result.get(e.getKey()), e.getValue()));
      }
    }
    return result;
  }

  private String keepStatus(String path, String body) {
    MockResponse existing = super.handleGet(stripQuery(path));
    if (existing.code() != 200) {
      return body;
    }
    try {
      JsonNode live = JSON.readTree(existing.getBody().readUtf8());
      if (JSON.readTree(body) instanceof ObjectNode o) {
        if (live.has("status")) {
          o.set("status", live.get("status"));
        } else {
          o.remove("status");
        }
        return JSON.writeValueAsString(o);
      }
    } catch (IOException e) {
      // A body that does not parse is left for the dispatcher to reject as the API would.
    }
    return body;
  }

  private static String foldStringData(String path, String body) {
    if (!path.contains("/secrets")) {
      return body;
    }
    try {
      if (JSON.readTree(body) instanceof ObjectNode o && o.path("stringData").isObject()) {
        ObjectNode data =
            o.path("data").isObject() ? (ObjectNode) o.get("data") : o.putObject("data");
        o.get("stringData")
            .fields()
            .forEachRemaining(
                e ->
                    data.put(
                        e.getKey(),
                        Base64.getEncoder()
                            .encodeToString(
                                e.getValue().asText().getBytes(StandardCharsets.UTF_8))));
        o.remove("stringData");
        return JSON.writeValueAsString(o);
      }
    } catch (IOException e) {
      // Left to the dispatcher, which answers a bad body with an error.
    }
    return body;
  }

  private static RecordedRequest rewrite(RecordedRequest r, String path, String body, String type) {
    Headers headers =
        r.getHeaders()
            .newBuilder()
            .set("Content-Type", type == null ? "application/json" : type)
            .build();
    return new RecordedRequest(
        r.getHttpVersion(),
        r.method(),
        path,
        headers,
        new Buffer(body.getBytes(StandardCharsets.UTF_8)));
  }

  private static String stripQuery(String path) {
    int q = path.indexOf('?');
    return q < 0 ? path : path.substring(0, q);
  }

  private static MockResponse status(int code, String reason, String message) {
    ObjectNode s = JSON.createObjectNode();
    s.put("apiVersion", "v1")
        .put("kind", "Status")
        .put("status", "Failure")
        .put("message", message)
        .put("reason", reason)
        .put("code", code);
    return new MockResponse().setResponseCode(code).setBody(s.toString());
  }
}
