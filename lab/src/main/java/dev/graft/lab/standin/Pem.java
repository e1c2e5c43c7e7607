package dev.graft.lab.standin;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;

/** PEM encoding and decoding of certificates and keys, in the formats kubeadm writes. */
public final class Pem {
  private Pem() {}

  /** Certificates as "CERTIFICATE", private keys as PKCS#1/SEC1, public keys as "PUBLIC KEY". */
  public static String encode(Object object) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(object);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  public static List<X509Certificate> certificates(String pem) {
    List<X509Certificate> certs = new ArrayList<>();
    for (Object o : objects(pem)) {
      if (o instanceof X509CertificateHolder holder) {
        try {
          certs.add(new JcaX509CertificateConverter().getCertificate(holder));
        } catch (CertificateException e) {
          throw new IllegalArgumentException("bad certificate in PEM", e);
        }
      }
    }
    if (certs.isEmpty()) {
      throw new IllegalArgumentException("no certificate in PEM data");
    }
    return certs;
  }

  public static X509Certificate certificate(String pem) {
    return certificates(pem).get(0);
  }

  public static PrivateKey privateKey(String pem) {
    JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
    try {
      for (Object o : objects(pem)) {
        if (o instanceof PEMKeyPair pair) {
          return converter.getKeyPair(pair).getPrivate();
        }
        if (o instanceof PrivateKeyInfo info) {
          return converter.getPrivateKey(info);
        }
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("bad private key in PEM", e);
    }
    throw new IllegalArgumentException("no private key in PEM data");
  }

  public static PublicKey publicKey(String pem) {
    try {
      for (Object o : objects(pem)) {
        if (o instanceof SubjectPublicKeyInfo info) {
          return new JcaPEMKeyConverter().getPublicKey(info);
        }
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("bad public key in PEM", e);
    }
    throw new IllegalArgumentException("no public key in PEM data");
  }

  public static CertKey readPair(Path crt, Path key) throws IOException {
    return new CertKey(certificate(Files.readString(crt)), privateKey(Files.readString(key)));
  }

  public static KeyPair keyPair(PrivateKey priv, PublicKey pub) {
    return new KeyPair(pub, priv);
  }

  private static List<Object> objects(String pem) {
    List<Object> out = new ArrayList<>();
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      Object o;
      while ((o = parser.readObject()) != null) {
        out.add(o);
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("unreadable PEM data", e);
    }
    return out;
  }

  public static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
