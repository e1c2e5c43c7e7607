package dev.graft.lab.standin;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificates as kubeadm makes them: self-signed CAs valid ten years, leaf certificates valid one
 * year, RSA 2048 keys written as PKCS#1 (kubeadm's default encryption algorithm). ECDSA would be
 * faster to generate, but fabric8 7.8.0 cannot read the SEC1 "EC PRIVATE KEY" blocks that
 * BouncyCastle writes (PKCS1Util: "Invalid DER: stream too short"), so a lab on ECDSA would hide
 * nothing and break Graft's client.
 */
public final class Pki {
  private static final SecureRandom RANDOM = new SecureRandom();

  private Pki() {}

  /** What a leaf certificate is for: server, client or both (etcd peers). */
  public enum Usage {
    SERVER,
    CLIENT,
    SERVER_AND_CLIENT
  }

  public static KeyPair ecKey() {
    try {
      KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
      gen.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      return gen.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** kubeadm's service-account key pair is RSA 2048 (sa.key / sa.pub). */
  public static KeyPair rsaKey() {
    try {
      KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
      gen.initialize(2048, RANDOM);
      return gen.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  public static CertKey newCa(String commonName) {
    KeyPair pair = rsaKey();
    X500Name name = name(commonName, List.of());
    try {
      Instant now = Instant.now();
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              name,
              serial(),
              Date.from(now.minus(Duration.ofMinutes(5))),
              Date.from(now.plus(Duration.ofDays(3650))),
              name,
              pair.getPublic());
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      b.addExtension(
          Extension.keyUsage,
          true,
          new KeyUsage(
              KeyUsage.digitalSignature | KeyUsage.keyEncipherment | KeyUsage.keyCertSign));
      b.addExtension(
          Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(pair.getPublic()));
      return new CertKey(sign(b, pair), pair.getPrivate());
    } catch (Exception e) {
      throw new IllegalStateException("cannot create CA " + commonName, e);
    }
  }

  /** Issues a leaf certificate for a fresh key. SANs that parse as IP addresses become IP SANs. */
  public static CertKey issue(
      CertKey ca, String commonName, List<String> organizations, List<String> sans, Usage usage) {
    KeyPair pair = rsaKey();
    return new CertKey(
        issue(ca, pair.getPublic(), commonName, organizations, sans, usage), pair.getPrivate());
  }

  public static X509Certificate issue(
      CertKey ca,
      PublicKey subjectKey,
      String commonName,
      List<String> organizations,
      List<String> sans,
      Usage usage) {
    try {
      Instant now = Instant.now();
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              ca.cert(),
              serial(),
              Date.from(now.minus(Duration.ofMinutes(5))),
              Date.from(now.plus(Duration.ofDays(365))),
              name(commonName, organizations),
              subjectKey);
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      b.addExtension(
          Extension.keyUsage,
          true,
          new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
      List<KeyPurposeId> purposes = new ArrayList<>();
      if (usage != Usage.CLIENT) {
        purposes.add(KeyPurposeId.id_kp_serverAuth);
      }
      if (usage != Usage.SERVER) {
        purposes.add(KeyPurposeId.id_kp_clientAuth);
      }
      b.addExtension(
          Extension.extendedKeyUsage,
          false,
          new ExtendedKeyUsage(purposes.toArray(new KeyPurposeId[0])));
      b.addExtension(
          Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(ca.cert()));
      if (!sans.isEmpty()) {
        GeneralName[] names =
            sans.stream()
                .map(s -> new GeneralName(isIp(s) ? GeneralName.iPAddress : GeneralName.dNSName, s))
                .toArray(GeneralName[]::new);
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
      }
      return new JcaX509CertificateConverter()
          .getCertificate(
              b.build(new JcaContentSignerBuilder(signatureAlgorithm(ca)).build(ca.key())));
    } catch (Exception e) {
      throw new IllegalStateException("cannot issue certificate for " + commonName, e);
    }
  }

  /**
   * The value kubeadm prints for --discovery-token-ca-cert-hash: "sha256:" and the hex SHA-256 of
   * the CA certificate's DER SubjectPublicKeyInfo.
   */
  public static String caCertHash(X509Certificate ca) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(ca.getPublicKey().getEncoded());
      return "sha256:" + HexFormat.of().formatHex(digest);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  static boolean isIp(String s) {
    return s.matches("\\d{1,3}(\\.\\d{1,3}){3}") || (s.contains(":") && s.matches("[0-9a-fA-F:]+"));
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, KeyPair pair) throws Exception {
    return new JcaX509CertificateConverter()
        .getCertificate(
            b.build(new JcaContentSignerBuilder("SHA256withRSA").build(pair.getPrivate())));
  }

  private static String signatureAlgorithm(CertKey ca) {
    return "RSA".equals(ca.key().getAlgorithm()) ? "SHA256withRSA" : "SHA256withECDSA";
  }

  private static X500Name name(String cn, List<String> orgs) {
    X500NameBuilder nb = new X500NameBuilder(BCStyle.INSTANCE);
    for (String o : orgs) {
      nb.addRDN(BCStyle.O, o);
    }
    nb.addRDN(BCStyle.CN, cn);
    return nb.build();
  }

  private static BigInteger serial() {
    return new BigInteger(62, RANDOM).add(BigInteger.ONE);
  }

  /**
   * The leaf certificates of a kubeadm control plane on {@code node} (address {@code address},
   * reached at {@code endpointHost}), by their path under the PKI dir, as {@link #issueAll} takes
   * them: the API server's, its clients', etcd's, and the admin's and the node's kubelet client
   * certificates (the last two go into kubeconfigs, not files). Bootstrap and join issue the same.
   */
  public static Map<String, Supplier<CertKey>> controlPlaneLeaves(
      CertKey ca,
      CertKey frontProxyCa,
      CertKey etcdCa,
      String node,
      String address,
      String endpointHost) {
    List<String> apiSans =
        List.of(
                node,
                "kubernetes",
                "kubernetes.default",
                "kubernetes.default.svc",
                "kubernetes.default.svc.cluster.local",
                "10.96.0.1",
                address,
                endpointHost)
            .stream()
            .distinct()
            .toList();
    List<String> etcdSans =
        List.of(node, "localhost", address, "127.0.0.1").stream().distinct().toList();
    Map<String, Supplier<CertKey>> leaves = new LinkedHashMap<>();
    leaves.put("apiserver", () -> issue(ca, "kube-apiserver", List.of(), apiSans, Usage.SERVER));
    leaves.put(
        "apiserver-kubelet-client",
        () ->
            issue(
                ca,
                "kube-apiserver-kubelet-client",
                List.of("kubeadm:cluster-admins"),
                List.of(),
                Usage.CLIENT));
    leaves.put(
        "front-proxy-client",
        () -> issue(frontProxyCa, "front-proxy-client", List.of(), List.of(), Usage.CLIENT));
    leaves.put(
        "apiserver-etcd-client",
        () -> issue(etcdCa, "kube-apiserver-etcd-client", List.of(), List.of(), Usage.CLIENT));
    leaves.put(
        "etcd/server", () -> issue(etcdCa, node, List.of(), etcdSans, Usage.SERVER_AND_CLIENT));
    leaves.put(
        "etcd/peer", () -> issue(etcdCa, node, List.of(), etcdSans, Usage.SERVER_AND_CLIENT));
    leaves.put(
        "etcd/healthcheck-client",
        () -> issue(etcdCa, "kube-etcd-healthcheck-client", List.of(), List.of(), Usage.CLIENT));
    leaves.put(
        "admin",
        () ->
            issue(
                ca,
                "kubernetes-admin",
                List.of("kubeadm:cluster-admins"),
                List.of(),
                Usage.CLIENT));
    leaves.put(
        "kubelet",
        () -> issue(ca, "system:node:" + node, List.of("system:nodes"), List.of(), Usage.CLIENT));
    return leaves;
  }

  /**
   * Issues several leaf certificates at once, generating their keys in parallel: RSA key generation
   * dominates a control-plane join and the bootstrap (0.1-1 s per key here).
   */
  public static Map<String, CertKey> issueAll(Map<String, Supplier<CertKey>> requests) {
    Map<String, CompletableFuture<CertKey>> futures = new LinkedHashMap<>();
    requests.forEach((name, r) -> futures.put(name, CompletableFuture.supplyAsync(r)));
    Map<String, CertKey> out = new LinkedHashMap<>();
    futures.forEach((name, f) -> out.put(name, f.join()));
    return out;
  }

  public static String randomHex(int bytes) {
    byte[] b = new byte[bytes];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  public static SecureRandom random() {
    return RANDOM;
  }
}
