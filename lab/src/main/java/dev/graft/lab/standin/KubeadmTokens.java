package dev.graft.lab.standin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** kubeadm token create|list|delete, with bootstrap-token Secrets as kubeadm writes them. */
final class KubeadmTokens {
  private static final Pattern DURATION = Pattern.compile("(\\d+)(h|m|s)");
  private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

  private final Kubeadm k;

  KubeadmTokens(Kubeadm k) {
    this.k = k;
  }

  void run(List<String> argv) throws StandinFailure, IOException {
    String sub = argv.isEmpty() ? "" : argv.get(0);
    List<String> rest = argv.isEmpty() ? List.of() : argv.subList(1, argv.size());
    switch (sub) {
      case "create" -> create(rest);
      case "list" -> list(rest);
      case "delete" -> delete(rest);
      case "generate" -> k.out.println(randomToken());
      default ->
          throw new StandinFailure(1, "unknown command \"" + sub + "\" for \"kubeadm token\"");
    }
  }

  private void create(List<String> argv) throws StandinFailure, IOException {
    Args a =
        Args.parse(
            argv,
            Set.of(
                "ttl",
                "description",
                "usages",
                "groups",
                "kubeconfig",
                "certificate-key",
                "config",
                "v"),
            Set.of("print-join-command", "dry-run"),
            Map.of());
    if (a.positional.size() > 1) {
      throw new StandinFailure(1, "accepts at most 1 arg(s), received " + a.positional.size());
    }
    String token = a.positional.isEmpty() ? randomToken() : a.positional.get(0);
    Matcher m = Kubeadm.TOKEN.matcher(token);
    if (!m.matches()) {
      throw new StandinFailure(
          1,
          "the bootstrap token \""
              + token
              + "\" was not of the form \""
              + Kubeadm.TOKEN.pattern()
              + "\"");
    }
    Duration ttl = parseTtl(a.get("ttl", "24h0m0s"));
    String certKey = a.get("certificate-key");
    if (certKey != null && !certKey.matches("[0-9a-fA-F]{64}")) {
      throw new StandinFailure(1, "certificate key must be a 64 character hex string");
    }
    KubeRest api = k.client(a.get("kubeconfig", Kubeadm.ADMIN_CONF));
    ObjectNode secret =
        secret(
            m.group(1),
            m.group(2),
            ttl,
            a.get("description"),
            a.get("usages", "signing,authentication"),
            a.get("groups", "system:bootstrappers:kubeadm:default-node-token"));
    String path = "/api/v1/namespaces/kube-system/secrets";
    if (api.get(path + "/bootstrap-token-" + m.group(1)) != null) {
      throw new StandinFailure(
          1,
          "failed to create or update bootstrap token with name"
              + " bootstrap-token-"
              + m.group(1)
              + ": secrets \"bootstrap-token-"
              + m.group(1)
              + "\" already exists");
    }
    api.post(path, secret);
    if (!a.bool("print-join-command")) {
      k.out.println(token);
      return;
    }
    Kubeconfig admin = Kubeconfig.read(k.path(a.get("kubeconfig", Kubeadm.ADMIN_CONF)));
    String endpoint = URI.create(admin.server()).getAuthority();
    String hash = Pki.caCertHash(Pem.certificate(admin.caPem()));
    String cmd =
        "kubeadm join "
            + endpoint
            + " --token "
            + token
            + " --discovery-token-ca-cert-hash "
            + hash
            + " ";
    if (certKey != null) {
      cmd += "--control-plane --certificate-key " + certKey + " ";
    }
    k.out.println(cmd);
  }

  static ObjectNode secret(
      String id,
      String secretPart,
      Duration ttl,
      String description,
      String usages,
      String groups) {
    ObjectNode s = KubeRest.JSON.createObjectNode();
    s.put("apiVersion", "v1").put("kind", "Secret").put("type", "bootstrap.kubernetes.io/token");
    s.putObject("metadata").put("name", "bootstrap-token-" + id).put("namespace", "kube-system");
    ObjectNode d = s.putObject("stringData");
    d.put("token-id", id).put("token-secret", secretPart);
    if (description != null) {
      d.put("description", description);
    }
    if (!ttl.isZero()) {
      d.put("expiration", Instant.now().plus(ttl).truncatedTo(ChronoUnit.SECONDS).toString());
    }
    for (String u : usages.split(",")) {
      d.put("usage-bootstrap-" + u.strip(), "true");
    }
    if (!groups.isBlank()) {
      d.put("auth-extra-groups", groups);
    }
    return s;
  }

  private void list(List<String> argv) throws StandinFailure, IOException {
    Args a = Args.parse(argv, Set.of("kubeconfig", "output", "v"), Set.of(), Map.of("o", "output"));
    KubeRest api = k.client(a.get("kubeconfig", Kubeadm.ADMIN_CONF));
    JsonNode list = api.get("/api/v1/namespaces/kube-system/secrets");
    k.out.println("TOKEN                     TTL         EXPIRES                USAGES");
    for (JsonNode s : list.path("items")) {
      if (!"bootstrap.kubernetes.io/token".equals(s.path("type").asText())) {
        continue;
      }
      JsonNode d = s.path("data");
      String id = decode(d, "token-id");
      String exp = decode(d, "expiration");
      // kubeadm prints whole tokens here; so does the stand-in.
      k.out.printf(
          "%s.%s   %-11s %-22s %s%n",
          id,
          decode(d, "token-secret"),
          exp == null ? "<forever>" : ttlLeft(exp),
          exp == null ? "<never>" : exp,
          usages(d));
    }
  }

  private void delete(List<String> argv) throws StandinFailure, IOException {
    Args a = Args.parse(argv, Set.of("kubeconfig", "v"), Set.of(), Map.of());
    if (a.positional.isEmpty()) {
      throw new StandinFailure(
          1,
          "missing subcommand; 'token delete' is missing token of form \""
              + Kubeadm.TOKEN.pattern()
              + "\" or \"^([a-z0-9]{6})$\"");
    }
    KubeRest api = k.client(a.get("kubeconfig", Kubeadm.ADMIN_CONF));
    for (String t : a.positional) {
      String id = t.contains(".") ? t.substring(0, t.indexOf('.')) : t;
      if (!id.matches("[a-z0-9]{6}")) {
        throw new StandinFailure(1, "given token didn't match pattern \"^([a-z0-9]{6})$\"");
      }
      String path = "/api/v1/namespaces/kube-system/secrets/bootstrap-token-" + id;
      if (api.get(path) == null) {
        throw new StandinFailure(
            1,
            "failed to delete bootstrap token \""
                + id
                + "\": secrets \"bootstrap-token-"
                + id
                + "\" not found");
      }
      api.delete(path);
      k.out.println("bootstrap token \"" + id + "\" deleted");
    }
  }

  static String randomToken() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 23; i++) {
      if (i == 6) {
        sb.append('.');
      } else {
        sb.append(ALPHABET.charAt(Pki.random().nextInt(ALPHABET.length())));
      }
    }
    return sb.toString();
  }

  /** Go durations as kubeadm accepts them for --ttl: "24h0m0s", "15m", "0" (never expires). */
  static Duration parseTtl(String s) throws StandinFailure {
    if (s.equals("0")) {
      return Duration.ZERO;
    }
    Matcher m = DURATION.matcher(s);
    Duration d = Duration.ZERO;
    int end = 0;
    while (m.find()) {
      if (m.start() != end) {
        break;
      }
      long n = Long.parseLong(m.group(1));
      d =
          d.plus(
              switch (m.group(2)) {
                case "h" -> Duration.ofHours(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofSeconds(n);
              });
      end = m.end();
    }
    if (end != s.length() || s.isEmpty()) {
      throw new StandinFailure(
          1,
          "invalid argument \""
              + s
              + "\" for \"--ttl\" flag:"
              + " time: invalid duration \""
              + s
              + "\"");
    }
    return d;
  }

  private static String decode(JsonNode data, String key) {
    String v = data.path(key).asText(null);
    return v == null ? null : new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8);
  }

  private static String usages(JsonNode data) {
    StringBuilder sb = new StringBuilder();
    data.fieldNames()
        .forEachRemaining(
            f -> {
              if (f.startsWith("usage-bootstrap-")) {
                sb.append(sb.length() == 0 ? "" : ",")
                    .append(f.substring("usage-bootstrap-".length()));
              }
            });
    return sb.toString();
  }

  private static String ttlLeft(String exp) {
    try {
      Duration left = Duration.between(Instant.now(), Instant.parse(exp));
      return left.isNegative() ? "<invalid>" : left.toHours() + "h";
    } catch (DateTimeParseException e) {
      return "<invalid>";
    }
  }
}
