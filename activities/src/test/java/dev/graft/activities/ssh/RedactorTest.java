package dev.graft.activities.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

class RedactorTest {
  @Test
  void namedSecretsAreMasked() {
    assertEquals("pass <redacted> on", Redactor.redact("pass hunter22 on", List.of("hunter22")));
  }

  @Test
  void bootstrapTokensAndCertificateKeysAreMaskedWithoutBeingNamed() {
    String key = "0123456789abcdef".repeat(4);
    String text =
        "kubeadm join 10.0.0.1:6443 --token abcdef.0123456789abcdef --certificate-key " + key;
    String out = Redactor.redact(text, null);
    assertFalse(out.contains("abcdef.0123456789abcdef"), out);
    assertFalse(out.contains(key), out);
    assertEquals("kubeadm join 10.0.0.1:6443 --token <redacted> --certificate-key <redacted>", out);
  }

  @Test
  void ordinaryTextIsLeftAlone() {
    String text = "node k8s-node2.example.com joined; sha256:" + "ab".repeat(32);
    assertEquals(text, Redactor.redact(text, List.of()));
    assertNull(Redactor.redact(null, List.of("x")));
  }
}
