package dev.graft.lab.standin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * kubeadm init phase upload-certs, and the matching download on control-plane join: the shared
 * control-plane certificates and keys go into kube-system/kubeadm-certs, each value encrypted as
 * kubeadm encrypts it (AES-256-GCM with the certificate key; 12-byte nonce prepended).
 */
final class KubeadmCerts {
  /** Secret key → file under /etc/kubernetes/pki, as kubeadm names them. */
  static final Map<String, String> SHARED = new LinkedHashMap<>();

  static {
    SHARED.put("ca.crt", "ca.crt");
    SHARED.put("ca.key", "ca.key");
    SHARED.put("front-proxy-ca.crt", "front-proxy-ca.crt");
    SHARED.put("front-proxy-ca.key", "front-proxy-ca.key");
    SHARED.put("sa.key", "sa.key");
    SHARED.put("sa.pub", "sa.pub");
    SHARED.put("etcd-ca.crt", "etcd/ca.crt");
    SHARED.put("etcd-ca.key", "etcd/ca.key");
  }

  private final Kubeadm k;

  KubeadmCerts(Kubeadm k) {
    this.k = k;
  }

  void upload(List<String> argv) throws StandinFailure, IOException {
    Args a =
        Args.parse(
            argv,
            Set.of("certificate-key", "kubeconfig", "config", "v"),
            Set.of("upload-certs", "skip-certificate-key-print"),
            Map.of());
    if (!a.bool("upload-certs")) {
      k.out.println("[upload-certs] Skipping phase. Please see --upload-certs");
      return;
    }
    String key = a.get("certificate-key");
    if (key == null) {
      key = Pki.randomHex(32);
    }
    byte[] keyBytes = decodeKey(key, "upload-certs", "error uploading certs");
    KubeRest api = k.client(a.get("kubeconfig", Kubeadm.ADMIN_CONF));
    ObjectNode secret = KubeRest.JSON.createObjectNode();
    secret.put("apiVersion", "v1").put("kind", "Secret").put("type", "Opaque");
    secret.putObject("metadata").put("name", "kubeadm-certs").put("namespace", "kube-system");
    ObjectNode data = secret.putObject("data");
    for (Map.Entry<String, String> e : SHARED.entrySet()) {
      Path file = k.path(Kubeadm.PKI + "/" + e.getValue());
      if (!Files.exists(file)) {
        if (e.getKey().startsWith("etcd-")) {
          continue; // external etcd: kubeadm uploads no etcd CA
        }
        throw StandinFailure.phase(
            "upload-certs",
            "error uploading certs: failed to read "
                + Kubeadm.PKI
                + "/"
                + e.getValue()
                + ": no such file or directory");
      }
      data.put(
          e.getKey(),
          Base64.getEncoder().encodeToString(encrypt(Files.readAllBytes(file), keyBytes)));
    }
    String path = "/api/v1/namespaces/kube-system/secrets";
    k.out.println(
        "[upload-certs] Storing the certificates in Secret \"kubeadm-certs\" in the"
            + " \"kube-system\" Namespace");
    if (api.get(path + "/kubeadm-certs") == null) {
      api.post(path, secret);
    } else {
      api.put(path + "/kubeadm-certs", secret);
    }
    if (!a.bool("skip-certificate-key-print")) {
      k.out.println("[upload-certs] Using certificate key:");
      k.out.println(key);
    }
  }

  /** Downloads and decrypts the shared certificates; file name (under pki) → content. */
  static Map<String, byte[]> download(KubeRest api, String key) throws StandinFailure, IOException {
    String phase = "control-plane-prepare/download-certs";
    byte[] keyBytes = decodeKey(key, phase, "error downloading certs");
    JsonNode secret = api.get("/api/v1/namespaces/kube-system/secrets/kubeadm-certs");
    if (secret == null) {
      throw StandinFailure.phase(
          phase,
          "error downloading certs: error downloading the secret:"
              + " Secret \"kubeadm-certs\" was not found in the \"kube-system\" Namespace. This Secret"
              + " might have expired. Please, run `kubeadm init phase upload-certs --upload-certs` on a"
              + " control plane to generate a new one");
    }
    Map<String, byte[]> files = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : SHARED.entrySet()) {
      String v = secret.path("data").path(e.getKey()).asText(null);
      if (v == null) {
        continue;
      }
      try {
        files.put(e.getValue(), decrypt(Base64.getDecoder().decode(v), keyBytes));
      } catch (GeneralSecurityException ex) {
        throw StandinFailure.phase(
            phase,
            "error downloading certs: error decoding secret data"
                + " with provided key: cipher: message authentication failed");
      }
    }
    return files;
  }

  private static byte[] decodeKey(String key, String phase, String what) throws StandinFailure {
    byte[] b;
    try {
      b = HexFormat.of().parseHex(key);
    } catch (IllegalArgumentException e) {
      throw StandinFailure.phase(
          phase,
          what
              + ": error decoding certificate key: encoding/hex:"
              + " invalid byte in \""
              + key
              + "\"");
    }
    if (b.length != 32) {
      throw StandinFailure.phase(
          phase,
          what + ": error decoding certificate key: crypto/aes:" + " invalid key size " + b.length);
    }
    return b;
  }

  static byte[] encrypt(byte[] plain, byte[] key) {
    try {
      byte[] nonce = new byte[12];
      Pki.random().nextBytes(nonce);
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
      byte[] sealed = c.doFinal(plain);
      byte[] out = new byte[nonce.length + sealed.length];
      System.arraycopy(nonce, 0, out, 0, nonce.length);
      System.arraycopy(sealed, 0, out, nonce.length, sealed.length);
      return out;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  static byte[] decrypt(byte[] data, byte[] key) throws GeneralSecurityException {
    if (data.length < 12 + 16) {
      throw new GeneralSecurityException("ciphertext too short");
    }
    Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
    c.init(
        Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, data, 0, 12));
    return c.doFinal(data, 12, data.length - 12);
  }
}
