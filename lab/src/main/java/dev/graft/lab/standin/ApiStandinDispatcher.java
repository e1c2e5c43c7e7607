package dev.graft.lab.standin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * fabric8's CRUD dispatcher with the behaviours of a real API server that Graft relies on and the
 * mock lacks (each verified by ApiStandinTest):
 * <ul>
 *   <li>server-side apply (PATCH application/apply-patch+yaml) creates a missing object and merges
 *       into an existing one; the mock answers 415. Approximation: RFC 7386 merge, no managedFields,
 *       no field-ownership conflicts, fields dropped from a later apply are not removed;</li>
 *   <li>strategic merge patch is treated as a JSON merge patch (lists are replaced);</li>
 *   <li>JSON merge patch follows RFC 7386 (the mock appends to lists instead of replacing them);</li>
 *   <li>writes (PUT, merge patch, JSON patch) to the main resource of a Node, Pod or CSR leave
 *       its status alone, as the real API does for kinds with a status subresource;</li>
 *   <li>Secret stringData is folded into base64 data on create and update.</li>
 * </ul>
 */
final class ApiStandinDispatcher extends KubernetesCrudDispatcher {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Pattern OBJECT_PATH =
      Pattern.compile("^(/api/v1|/apis/[^/]+/[^/]+)(/namespaces/[^/]+)?/([a-z]+)/([^/?]+)(/status)?(\\?.*)?$");
  private static final java.util.Set<String> STATUS_KINDS =
      java.util.Set.of("nodes", "pods", "certificatesigningrequests");

  @Override
  public MockResponse handleCreate(RecordedRequest request) {
    String body = foldStringData(request.getPath(), request.getUtf8Body());
    return super.handleCreate(rewrite(request, request.getPath(), body,
        request.getHeader("Content-Type")));
  }

  @Override
  public MockResponse handleUpdate(RecordedRequest request) {
    String body = foldStringData(request.getPath(), request.getUtf8Body());
    Matcher m = OBJECT_PATH.matcher(request.getPath());
    if (m.matches() && m.group(5) == null && STATUS_KINDS.contains(m.group(3))) {
      body = keepStatus(request.getPath(), body);
    }
    return super.handleUpdate(rewrite(request, request.getPath(), body,
        request.getHeader("Content-Type")));
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
        String objectPath = m.group(1) + (m.group(2) == null ? "" : m.group(2)) + "/" + m.group(3)
            + "/" + m.group(4);
        if (super.handleGet(objectPath).code() == 404) {
          if (m.group(5) != null) {
            return status(404, "NotFound", m.group(3) + " \"" + m.group(4) + "\" not found");
          }
          String collection = m.group(1) + (m.group(2) == null ? "" : m.group(2)) + "/" + m.group(3);
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
          ops.forEach(op -> {
            if (!op.path("path").asText().startsWith("/status")) {
              kept.add(op);
            }
          });
          body = JSON.writeValueAsString(kept);
        }
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
    ObjectNode result = target != null && target.isObject()
        ? (ObjectNode) target : JSON.createObjectNode();
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
        ObjectNode data = o.path("data").isObject() ? (ObjectNode) o.get("data") : o.putObject("data");
        o.get("stringData").fields().forEachRemaining(e -> data.put(e.getKey(),
            Base64.getEncoder().encodeToString(e.getValue().asText().getBytes(StandardCharsets.UTF_8))));
        o.remove("stringData");
        return JSON.writeValueAsString(o);
      }
    } catch (IOException e) {
      // Left to the dispatcher, which answers a bad body with an error.
    }
    return body;
  }

  private static RecordedRequest rewrite(RecordedRequest r, String path, String body, String type) {
    io.fabric8.mockwebserver.http.Headers headers = r.getHeaders().newBuilder()
        .set("Content-Type", type == null ? "application/json" : type).build();
    return new RecordedRequest(r.getHttpVersion(), r.method(), path, headers,
        new Buffer(body.getBytes(StandardCharsets.UTF_8)));
  }

  private static String stripQuery(String path) {
    int q = path.indexOf('?');
    return q < 0 ? path : path.substring(0, q);
  }

  private static MockResponse status(int code, String reason, String message) {
    ObjectNode s = JSON.createObjectNode();
    s.put("apiVersion", "v1").put("kind", "Status").put("status", "Failure")
        .put("message", message).put("reason", reason).put("code", code);
    return new MockResponse().setResponseCode(code).setBody(s.toString());
  }
}
