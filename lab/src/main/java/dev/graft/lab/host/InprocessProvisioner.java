package dev.graft.lab.host;

import dev.graft.lab.HostCustomizer;
import dev.graft.lab.LabKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;

/** Creates in-process hosts: a sandbox directory and a MINA SSHD server per host. */
public final class InprocessProvisioner {
  private final String labId;
  private final Path stateDir;
  private final PublicKey clientKey;
  private final List<HostCustomizer> customizers;

  public InprocessProvisioner(
      String labId, Path stateDir, PublicKey clientKey, List<HostCustomizer> customizers) {
    this.labId = labId;
    this.stateDir = stateDir;
    this.clientKey = clientKey;
    this.customizers = customizers;
  }

  /** Starts the hosts; on failure the ones already started are closed by the caller's list. */
  public List<InprocessHost> start(List<HostPlan> plans, List<InprocessHost> started)
      throws IOException {
    List<InprocessHost> out = new ArrayList<>();
    for (HostPlan h : plans) {
      Path dir = stateDir.resolve("hosts").resolve(h.name());
      Path fs = dir.resolve("fs");
      for (String d :
          List.of(
              "etc",
              "root",
              "tmp",
              "opt",
              "usr/local/bin",
              "usr/local/sbin",
              "var/log/graft-lab",
              "run/graft-lab/fail",
              "run/graft-lab/record",
              "run/graft-lab/daemons")) {
        Files.createDirectories(fs.resolve(d));
      }
      KeyPair key = SshKeys.loadOrCreate(dir.resolve("ssh_host_ed25519_key"), "root@" + h.name());
      SeedTree seed =
          new SeedTree(
              h.name(),
              h.index(),
              "127.0.0.1",
              h.roles(),
              LabKind.INPROCESS,
              "127.0.0.1",
              stateDir,
              fs,
              fs.toString(),
              null);
      HostScripts.install(seed);
      seed.writeFile("/etc/hostname", h.name() + "\n", 0644);
      // The machine's hostname is shared; this stub only answers the plain `hostname` query.
      seed.writeFile(
          "/usr/local/bin/hostname",
          "#!/bin/sh\n# graft lab stub: an in-process host has no UTS namespace of its own.\n"
              + "echo "
              + h.name()
              + "\n",
          0755);
      for (HostCustomizer c : customizers) {
        c.customize(seed);
      }
      InprocessHost host =
          new InprocessHost(labId, h.name(), h.index(), h.roles(), fs, key, clientKey);
      started.add(host);
      host.startServer(0);
      out.add(host);
    }
    return out;
  }
}
