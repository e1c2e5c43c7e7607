package dev.graft.lab.standin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.PrintStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/** kubeadm's upgrade version policy as the stand-in enforces it (no host needed). */
class KubeadmUpgradePolicyTest {
  private static KubeadmUpgrade.Policy policy(String kubeadm, String cluster, String target) {
    Kubeadm k =
        new Kubeadm(
            new HostPaths(""),
            new PrintStream(System.out),
            new ByteArrayInputStream(new byte[0]),
            kubeadm);
    return new KubeadmUpgrade(k).policy(cluster, target);
  }

  @Test
  void oneMinorUpWithAMatchingKubeadmIsAllowed() {
    assertTrue(policy("v1.31.0", "v1.30.2", "v1.31.0").ok());
    assertTrue(policy("v1.31.0", "v1.31.0", "v1.31.0").ok(), "re-applying is idempotent");
  }

  @Test
  void aKubeadmOfTheOldMinorCannotApplyTheNextOne() {
    assertEquals(
        List.of(
            "Kubeadm version \"v1.30.2\" can only be used to upgrade to Kubernetes"
                + " version \"v1.30\""),
        policy("v1.30.2", "v1.30.2", "v1.31.0").mandatory());
  }

  @Test
  void twoMinorsUpIsFatal() {
    assertTrue(
        policy("v1.32.0", "v1.30.2", "v1.32.0")
            .mandatory()
            .contains(
                "Specified version to upgrade to \"v1.32.0\" is too high; kubeadm can upgrade only 1"
                    + " minor version at a time"));
  }

  @Test
  void aNewerPatchThanKubeadmOrAPatchDowngradeNeedsForce() {
    KubeadmUpgrade.Policy p = policy("v1.31.0", "v1.30.2", "v1.31.1");
    assertTrue(p.mandatory().isEmpty());
    assertTrue(p.skippable().get(0).contains("is higher than the kubeadm version \"v1.31.0\""));
    KubeadmUpgrade.Policy down = policy("v1.31.2", "v1.31.2", "v1.31.1");
    assertTrue(down.mandatory().isEmpty());
    assertTrue(down.skippable().get(0).contains("Downgrades are not supported yet"));
  }

  @Test
  void aMinorDowngradeIsFatal() {
    assertTrue(
        policy("v1.31.0", "v1.31.0", "v1.30.2")
            .mandatory()
            .get(0)
            .contains("Downgrading the Kubernetes minor version is not supported"));
  }
}
