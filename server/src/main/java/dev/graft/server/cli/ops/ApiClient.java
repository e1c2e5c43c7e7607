package dev.graft.server.cli.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;

/** The CLI's side of the REST API: bounded requests, a bearer token, JSON answers. */
final class ApiClient {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
  private final String base;
  private final String token;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build();

  ApiClient(String base, String token) {
    this.base = base.replaceAll("/+$", "");
    this.token = token;
  }

  /**
   * An answer that is not 2xx, or no answer (status 0); {@code message} is the server's one-line
   * reason. {@code retryable}: the server did not answer (no connection, a timeout, a connection
   * closed halfway) or said it is briefly unable to (502, 503, 504, 429), so the same request may
   * succeed later; see {@link Patience}.
   */
  static final class ApiError extends Exception {
    private static final long serialVersionUID = 1L;
    final int status;
    final transient JsonNode body;
    final boolean retryable;

    ApiError(int status, String message, JsonNode body) {
      this(status, message, body, retryableStatus(status));
    }

    ApiError(int status, String message, JsonNode body, boolean retryable) {
      super(message, null, false, false);
      this.status = status;
      this.body = body;
      this.retryable = retryable;
    }
  }

  static boolean retryableStatus(int status) {
    return status == 502 || status == 503 || status == 504 || status == 429;
  }

  JsonNode get(String path) throws ApiError {
    return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
  }

  JsonNode post(String path, String json) throws ApiError {
    return send(
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Content-Type", "application/json")
            .POST(
                json == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(json)));
  }

  private JsonNode send(HttpRequest.Builder b) throws ApiError {
    b.timeout(REQUEST_TIMEOUT).header("Accept", "application/json");
    if (token != null && !token.isBlank()) {
      b.header("Authorization", "Bearer " + token.trim());
    }
    HttpResponse<String> r;
    try {
      r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (ConnectException e) {
      throw new ApiError(
          0,
          "cannot connect to "
              + base
              + " (is `graft dev` or `graft server`"
              + " running? set --server or GRAFT_SERVER)",
          null,
          true);
    } catch (HttpTimeoutException e) {
      throw new ApiError(
          0,
          "no answer from "
              + base
              + " within "
              + (e instanceof HttpConnectTimeoutException ? CONNECT_TIMEOUT : REQUEST_TIMEOUT)
                  .toSeconds()
              + " s",
          null,
          true);
    } catch (IOException e) {
      // A connection reset or closed halfway (a server stopping, a proxy restarting): the
      // request may well succeed on a new connection.
      throw new ApiError(0, "request to " + base + " failed: " + e, null, true);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ApiError(0, "interrupted", null, false);
    }
    JsonNode body;
    try {
      body = r.body() == null || r.body().isBlank() ? JSON.nullNode() : JSON.readTree(r.body());
    } catch (IOException e) {
      body = JSON.getNodeFactory().textNode(r.body());
    }
    if (r.statusCode() / 100 != 2) {
      String msg =
          body.hasNonNull("error")
              ? body.get("error").asText()
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
