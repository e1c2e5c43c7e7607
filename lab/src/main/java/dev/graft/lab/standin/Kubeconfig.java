package dev.graft.lab.standin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Base64;

/**
 * The parts of a kubeconfig the lab reads and writes: one cluster, one user, one context, with
 * inline (-data) credentials as kubeadm writes them. {@code certPem}, {@code keyPem} and {@code
 * token} may be null.
 */
public record Kubeconfig(
    String clusterName,
    String server,
    String caPem,
    String userName,
    String certPem,
    String keyPem,
    String token) {

  static final ObjectMapper YAML =
      new ObjectMapper(
          new YAMLFactory()
              .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
              .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

  /** A kubeconfig with a client certificate, as in admin.conf or kubelet.conf. */
  public static Kubeconfig withCert(String server, String caPem, String user, CertKey client) {
    return new Kubeconfig(
        "kubernetes", server, caPem, user, client.certPem(), client.keyPem(), null);
  }

  public String toYaml() {
    ObjectNode root = YAML.createObjectNode();
    root.put("apiVersion", "v1");
    ObjectNode cluster = root.putArray("clusters").addObject();
    ObjectNode c = cluster.putObject("cluster");
    c.put("certificate-authority-data", b64(caPem));
    c.put("server", server);
    cluster.put("name", clusterName);
    ObjectNode ctx = root.putArray("contexts").addObject();
    String contextName = userName + "@" + clusterName;
    ctx.putObject("context").put("cluster", clusterName).put("user", userName);
    ctx.put("name", contextName);
    root.put("current-context", contextName);
    root.put("kind", "Config");
    root.putObject("preferences");
    ObjectNode user = root.putArray("users").addObject();
    user.put("name", userName);
    ObjectNode u = user.putObject("user");
    if (certPem != null) {
      u.put("client-certificate-data", b64(certPem));
      u.put("client-key-data", b64(keyPem));
    }
    if (token != null) {
      u.put("token", token);
    }
    return write(root);
  }

  /**
   * The kubeconfig kubeadm publishes in kube-public/cluster-info: the CA and the server only, with
   * an empty cluster name. The bootstrap signer signs exactly these bytes.
   */
  public static String clusterInfo(String server, String caPem) {
    ObjectNode root = YAML.createObjectNode();
    root.put("apiVersion", "v1");
    ObjectNode cluster = root.putArray("clusters").addObject();
    cluster
        .putObject("cluster")
        .put("certificate-authority-data", b64(caPem))
        .put("server", server);
    cluster.put("name", "");
    root.putNull("contexts");
    root.put("current-context", "");
    root.put("kind", "Config");
    root.putObject("preferences");
    root.putNull("users");
    return write(root);
  }

  public void write(Path path) throws IOException {
    Files.createDirectories(path.getParent());
    Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
    Files.writeString(tmp, toYaml());
    tmp.toFile().setReadable(false, false);
    tmp.toFile().setReadable(true, true);
    Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING);
  }

  public static Kubeconfig read(Path path) throws IOException {
    return parse(Files.readString(path), path.getParent());
  }

  /** Parses the current context's cluster and user; file references resolve against baseDir. */
  public static Kubeconfig parse(String yaml, Path baseDir) throws IOException {
    JsonNode root = YAML.readTree(yaml);
    if (root == null || !root.isObject()) {
      throw new IOException("kubeconfig is empty or not a mapping");
    }
    String current = root.path("current-context").asText("");
    JsonNode ctx = named(root.path("contexts"), current);
    String clusterName = ctx == null ? "" : ctx.path("context").path("cluster").asText();
    String userName = ctx == null ? "" : ctx.path("context").path("user").asText();
    JsonNode cluster = named(root.path("clusters"), clusterName);
    if (cluster == null) {
      throw new IOException("kubeconfig has no cluster for context '" + current + "'");
    }
    JsonNode c = cluster.path("cluster");
    String server = c.path("server").asText(null);
    if (server == null || server.isBlank()) {
      throw new IOException("kubeconfig cluster '" + clusterName + "' has no server");
    }
    String ca = data(c, "certificate-authority", baseDir);
    JsonNode user = named(root.path("users"), userName);
    JsonNode u = user == null ? YAML.createObjectNode() : user.path("user");
    String token = u.path("token").asText(null);
    return new Kubeconfig(
        clusterName,
        server,
        ca,
        userName,
        data(u, "client-certificate", baseDir),
        data(u, "client-key", baseDir),
        token);
  }

  private static JsonNode named(JsonNode list, String name) {
    if (!(list instanceof ArrayNode arr)) {
      return null;
    }
    for (JsonNode n : arr) {
      if (name.equals(n.path("name").asText())) {
        return n;
      }
    }
    // A kubeconfig without a matching context still has a usable single entry.
    return arr.size() == 1 ? arr.get(0) : null;
  }

  private static String data(JsonNode node, String field, Path baseDir) throws IOException {
    String inline = node.path(field + "-data").asText(null);
    if (inline != null && !inline.isBlank()) {
      return new String(Base64.getDecoder().decode(inline.strip()), StandardCharsets.UTF_8);
    }
    String file = node.path(field).asText(null);
    if (file != null && !file.isBlank()) {
      Path p = baseDir == null ? Path.of(file) : baseDir.resolve(file);
      return Files.readString(p);
    }
    return null;
  }

  static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String write(JsonNode root) {
    try {
      return YAML.writeValueAsString(root);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
