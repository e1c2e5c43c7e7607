package dev.graft.activities.upgrade;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.workflows.upgrade.KubeVersion;
import java.util.List;
import org.junit.jupiter.api.Test;

class UpgradeFactsTest {
  private static final KubeVersion V1_31_0 = KubeVersion.parse("v1.31.0");

  @Test
  void theUpstreamPartIsWhatComesBeforeTheDebianRevisionAndAfterAnEpoch() {
    assertEquals("1.31.0", UpgradeFacts.upstream("1.31.0-1.1"));
    assertEquals("1.31.0", UpgradeFacts.upstream("1:1.31.0-1.1"));
    assertEquals("1.31.0", UpgradeFacts.upstream("1.31.0-150500.1.1"));
    assertNull(UpgradeFacts.upstream(""));
    assertTrue(UpgradeFacts.atTarget("1.31.0-1.1", V1_31_0));
    assertFalse(UpgradeFacts.atTarget("1.31.10-1.1", V1_31_0));
  }

  @Test
  void theHighestDebianRevisionOfTheTargetIsPicked() {
    List<String> madison =
        List.of("1.31.1-1.1", "1.31.0-2.1", "1.31.0-10.1", "1.31.0-1.1", "1.30.4-1.1");
    assertEquals("1.31.0-10.1", UpgradeFacts.pick(madison, V1_31_0));
    assertNull(UpgradeFacts.pick(List.of("1.30.4-1.1"), V1_31_0));
    assertNull(UpgradeFacts.pick(List.of(), V1_31_0));
  }

  @Test
  void theApiServerVersionIsTheImageTag() {
    assertEquals("v1.31.0", UpgradeFacts.imageVersion("registry.k8s.io/kube-apiserver:v1.31.0"));
    assertEquals(
        "v1.31.0", UpgradeFacts.imageVersion("myreg:5000/kube-apiserver:v1.31.0@sha256:abcd"));
    assertNull(UpgradeFacts.imageVersion("myreg:5000/kube-apiserver"));
    assertNull(UpgradeFacts.imageVersion(null));
  }

  @Test
  void expiredAndSoonExpiringCertificatesAreReadFromKubeadmsTable() {
    String out =
        String.join(
            "\n",
            "[check-expiration] Reading configuration from the cluster...",
            "",
            "CERTIFICATE                EXPIRES                  RESIDUAL TIME   CERTIFICATE AUTHORITY   EXTERNALLY MANAGED",
            "admin.conf                 Dec 03, 2026 16:00 UTC   364d            ca                      no",
            "apiserver                  Jan 01, 2026 10:00 UTC   <invalid>       ca                      no",
            "apiserver-etcd-client      Dec 20, 2025 16:00 UTC   12d             etcd-ca                 no",
            "",
            "CERTIFICATE AUTHORITY   EXPIRES                  RESIDUAL TIME   EXTERNALLY MANAGED",
            "ca                      Dec 01, 2035 16:00 UTC   9y              no");
    List<UpgradeFacts.CertExpiry> c = UpgradeFacts.certs(out);
    assertEquals(
        List.of("admin.conf", "apiserver", "apiserver-etcd-client", "ca"),
        c.stream().map(UpgradeFacts.CertExpiry::name).toList());
    assertEquals(364, c.get(0).days());
    assertTrue(c.get(1).expired());
    assertEquals(12, c.get(2).days());
    assertEquals(9 * 365, c.get(3).days());
  }

  @Test
  void snapshotNamesKeepOnlySafeCharactersAndStayDistinct() {
    String a = UpgradeHostActivitiesImpl.snapshotName("cluster/prod/upgrade/r1");
    String b = UpgradeHostActivitiesImpl.snapshotName("cluster/prod/upgrade_r1");
    assertTrue(a.matches("[A-Za-z0-9._-]+\\.db"), a);
    assertTrue(a.startsWith("cluster_prod_upgrade_r1-"), a);
    assertFalse(a.equals(b));
    assertTrue(
        UpgradeHostActivitiesImpl.snapshotName("../../etc/x")
            .matches("[A-Za-z0-9_][A-Za-z0-9._-]*\\.db"));
  }
}
