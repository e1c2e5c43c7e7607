package dev.graft.activities.upgrade;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The observe script's package versions, read through a dpkg-query that answers as dpkg does. */
class ObserveScriptTest {
  @Test
  void heldPackagesCountAsInstalledAndRemovedOnesDoNot(@TempDir Path bin) throws Exception {
    // Found end to end: the upgradable lab holds kubeadm, kubelet and kubectl as kubeadm's guide
    // says; their status is "hi", and the script saw none installed, so nothing was ever
    // already-upgraded and a resumed kubelet step restarted the kubelet a second time.
    Path fake = bin.resolve("dpkg-query");
    Files.writeString(
        fake,
        String.join(
            "\n",
            "#!/bin/sh",
            "case \"$3\" in",
            "  kubeadm) printf 'hi |1.31.0-1.1';;",
            "  kubelet) printf 'ii |1.31.0-1.1';;",
            "  kubectl) printf 'rc |1.30.2-1.1';;",
            "esac",
            ""));
    Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
    ProcessBuilder pb =
        new ProcessBuilder("/bin/sh", "-c", UpgradeHostActivitiesImpl.OBSERVE_SCRIPT);
    pb.environment().put("PATH", bin + ":/usr/bin:/bin");
    Process p = pb.redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(10, TimeUnit.SECONDS));
    Map<String, String> f = dev.graft.activities.node.Prechecks.parseFacts(out);
    assertEquals("dpkg", f.get("pm"), out);
    assertEquals("1.31.0-1.1", f.get("kubeadm"), out);
    assertEquals("1.31.0-1.1", f.get("kubelet"), out);
    assertEquals(
        "",
        f.getOrDefault("kubectl", ""),
        "removed, its configuration left: not installed\n" + out);
  }
}
