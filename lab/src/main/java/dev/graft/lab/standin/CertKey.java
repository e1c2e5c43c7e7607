package dev.graft.lab.standin;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;

/** A certificate with its private key, as kubeadm keeps them in pairs of .crt/.key files. */
public record CertKey(X509Certificate cert, PrivateKey key) {

  public String certPem() {
    return Pem.encode(cert);
  }

  public String keyPem() {
    return Pem.encode(key);
  }
}
