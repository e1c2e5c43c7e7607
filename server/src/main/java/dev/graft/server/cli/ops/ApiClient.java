package dev.graft.server.cli.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The CLI's side of the REST API: bounded requests, a bearer token, JSON answers. */
final class ApiClient {
  static final ObjectMapper JSON = new ObjectMapper();
  private final String base;
  private final String token;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  ApiClient(String base, String token) {
    this.base = base.replaceAll("/+$", "");
    this.token = token;
  }

  /** An answer that is not 2xx; {@code message} is the server's one-line reason. */
  static final class ApiError extends Exception {
    private static final long serialVersionUID = 1L;
    final int status;
    final transient JsonNode body;

    ApiError(int status, String message, JsonNode body) {
      super(message, null, false, false);
      this.status = status;
      this.body = body;
    }
  }

  JsonNode get(String path) throws ApiError {
    return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
  }

  JsonNode post(String path, String json) throws ApiError {
    return send(HttpRequest.newBuilder(URI.create(base + path))
        .header("Content-Type", "application/json")
        .POST(json == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(json)));
  }

  private JsonNode send(HttpRequest.Builder b) throws ApiError {
    b.timeout(Duration.ofSeconds(60)).header("Accept", "application/json");
    if (token != null && !token.isBlank()) {
      b.header("Authorization", "Bearer " + token.trim());
    }
    HttpResponse<String> r;
    try {
      r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (ConnectException e) {
      throw new ApiError(0, "cannot connect to " + base + " (is `graft dev` or `graft server`"
          + " running? set --server or GRAFT_SERVER)", null);
    } catch (IOException e) {
      throw new ApiError(0, "request to " + base + " failed: " + e, null);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ApiError(0, "interrupted", null);
    }
    JsonNode body;
    try {
      body = r.body() == null || r.body().isBlank() ? JSON.nullNode() : JSON.readTree(r.body());
    } catch (IOException e) {
      body = JSON.getNodeFactory().textNode(r.body());
    }
    if (r.statusCode() / 100 != 2) {
      String msg = body.hasNonNull("error") ? body.get("error").asText()
          : body.hasNonNull("message") ? body.get("message").asText() : r.body();
      if (r.statusCode() == 401) {
        msg = msg + " (pass --token or set GRAFT_TOKEN)";
      } else if (r.statusCode() == 403) {
        msg = "forbidden: this needs the operator role (" + msg + ")";
      }
      throw new ApiError(r.statusCode(), msg, body);
    }
    return body;
  }
}
