package dev.graft.lab.standin;

import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestConditionBuilder;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

/**
 * Stand-in for kube-controller-manager's CSR approver and signer, limited to what node joins use:
 * CSRs for signer kubernetes.io/kube-apiserver-client-kubelet whose subject is
 * CN=system:node:&lt;name&gt;, O=system:nodes are approved and signed by the cluster CA. Other CSRs
 * stay pending, as they would without an operator's approval.
 */
final class CsrSignerStandin {
  static final String KUBELET_CLIENT = "kubernetes.io/kube-apiserver-client-kubelet";

  private final KubernetesClient client;
  private final CertKey ca;

  CsrSignerStandin(KubernetesClient client, CertKey ca) {
    this.client = client;
    this.ca = ca;
  }

  void tick() {
    for (CertificateSigningRequest csr :
        client.certificates().v1().certificateSigningRequests().list().getItems()) {
      if (csr.getStatus() != null && csr.getStatus().getCertificate() != null) {
        continue;
      }
      if (!KUBELET_CLIENT.equals(csr.getSpec().getSignerName())) {
        continue;
      }
      String pem =
          new String(
              Base64.getDecoder().decode(csr.getSpec().getRequest()), StandardCharsets.UTF_8);
      X509Certificate cert;
      try {
        JcaPKCS10CertificationRequest req =
            new JcaPKCS10CertificationRequest(
                new PEMParser(new StringReader(pem)).readObject()
                        instanceof PKCS10CertificationRequest p
                    ? p.getEncoded()
                    : new byte[0]);
        String cn = first(req.getSubject().getRDNs(BCStyle.CN));
        List<String> orgs = new ArrayList<>();
        for (RDN rdn : req.getSubject().getRDNs(BCStyle.O)) {
          orgs.add(IETFUtils.valueToString(rdn.getFirst().getValue()));
        }
        if (cn == null || !cn.startsWith("system:node:") || !orgs.equals(List.of("system:nodes"))) {
          continue;
        }
        cert = Pki.issue(ca, req.getPublicKey(), cn, orgs, List.of(), Pki.Usage.CLIENT);
      } catch (Exception e) {
        continue;
      }
      String signed =
          Base64.getEncoder().encodeToString(Pem.encode(cert).getBytes(StandardCharsets.UTF_8));
      String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
      client
          .certificates()
          .v1()
          .certificateSigningRequests()
          .withName(csr.getMetadata().getName())
          .editStatus(
              c -> {
                CertificateSigningRequestStatus st = new CertificateSigningRequestStatus();
                st.setConditions(
                    List.of(
                        new CertificateSigningRequestConditionBuilder()
                            .withType("Approved")
                            .withStatus("True")
                            .withReason("AutoApproved")
                            .withMessage(
                                "Auto approving kubelet client certificate after SubjectAccessReview.")
                            .withLastUpdateTime(now)
                            .withLastTransitionTime(now)
                            .build()));
                st.setCertificate(signed);
                c.setStatus(st);
                return c;
              });
    }
  }

  private static String first(RDN[] rdns) {
    return rdns.length == 0 ? null : IETFUtils.valueToString(rdns[0].getFirst().getValue());
  }
}
