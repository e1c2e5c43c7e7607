package dev.graft.lab.standin;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Stand-ins for kube-controller-manager's bootstrap signer and token cleaner. The signer keeps one
 * "jws-kubeconfig-&lt;token-id&gt;" entry in kube-public/cluster-info for every valid
 * bootstrap-token Secret in kube-system that allows signing, and drops the entries of tokens that
 * are gone; the cleaner deletes expired bootstrap-token Secrets.
 */
final class BootstrapSignerStandin {
  static final String TOKEN_TYPE = "bootstrap.kubernetes.io/token";
  static final String JWS_PREFIX = "jws-kubeconfig-";

  private final KubernetesClient client;

  BootstrapSignerStandin(KubernetesClient client) {
    this.client = client;
  }

  void tick() {
    Instant now = Instant.now();
    Map<String, String[]> tokens = new TreeMap<>();
    for (Secret s : client.secrets().inNamespace("kube-system").list().getItems()) {
      if (!TOKEN_TYPE.equals(s.getType())) {
        continue;
      }
      Map<String, String> d = decode(s.getData());
      String id = d.get("token-id");
      if (expired(d.get("expiration"), now)) {
        client.secrets().inNamespace("kube-system").withName(s.getMetadata().getName()).delete();
        continue;
      }
      if (id != null
          && s.getMetadata().getName().equals("bootstrap-token-" + id)
          && "true".equals(d.get("usage-bootstrap-signing"))
          && d.get("token-secret") != null) {
        tokens.put(id, new String[] {d.get("token-secret")});
      }
    }
    ConfigMap ci = client.configMaps().inNamespace("kube-public").withName("cluster-info").get();
    if (ci == null || ci.getData() == null || ci.getData().get("kubeconfig") == null) {
      return;
    }
    String kubeconfig = ci.getData().get("kubeconfig");
    Map<String, String> wanted = new TreeMap<>();
    tokens.forEach(
        (id, secret) -> wanted.put(JWS_PREFIX + id, Jws.signDetached(kubeconfig, id, secret[0])));
    Map<String, String> current = new TreeMap<>();
    ci.getData()
        .forEach(
            (k, v) -> {
              if (k.startsWith(JWS_PREFIX)) {
                current.put(k, v);
              }
            });
    if (!current.equals(wanted)) {
      client
          .configMaps()
          .inNamespace("kube-public")
          .withName("cluster-info")
          .edit(
              cm -> {
                Map<String, String> data = new HashMap<>(cm.getData());
                data.keySet().removeIf(k -> k.startsWith(JWS_PREFIX));
                data.putAll(wanted);
                cm.setData(data);
                return cm;
              });
    }
  }

  static boolean expired(String expiration, Instant now) {
    if (expiration == null || expiration.isBlank()) {
      return false;
    }
    try {
      return OffsetDateTime.parse(expiration).toInstant().isBefore(now);
    } catch (DateTimeParseException e) {
      // The real cleaner treats an unparseable expiration as expired.
      return true;
    }
  }

  static Map<String, String> decode(Map<String, String> data) {
    Map<String, String> out = new HashMap<>();
    if (data != null) {
      data.forEach(
          (k, v) -> out.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
    }
    return out;
  }
}
