package dev.graft.lab.host;

import dev.graft.lab.HostState;
import dev.graft.lab.LabKind;
import dev.graft.lab.LabState;
import dev.graft.lab.PidRef;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Removes everything a lab made, from its state dir alone, in any process: idempotent, and it only
 * ever signals processes it can prove are the lab's:
 *
 * <ul>
 *   <li>processes whose environment holds GRAFT_LAB_ID=&lt;this lab's random id&gt; (holders, the
 *       sshd they start, everything run through {@code exec} or an in-process host);
 *   <li>processes inside the network namespace of such a process (SSH sessions and what they
 *       started), when that namespace is one recorded for a host;
 *   <li>for an in-process lab, the JVM serving it, when PID and start time match lab.json.
 * </ul>
 *
 * Mounts need no unmounting: they live only in the hosts' private mount namespaces and vanish with
 * their last process; the veth pairs vanish with the network namespaces.
 */
public final class Teardown {
  public static final String MARKER = ".graft-lab";
  private static final Duration IP_TIMEOUT = Duration.ofSeconds(20);

  private Teardown() {}

  /** The lab id in a state dir's marker, if the dir is a lab's. */
  public static Optional<String> labId(Path stateDir) {
    try {
      return Optional.of(Files.readString(stateDir.resolve(MARKER)).strip());
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** Tears down the lab in {@code stateDir}; returns what it did, one line per action. */
  public static List<String> down(Path stateDir) {
    List<String> done = new ArrayList<>();
    if (!Files.isDirectory(stateDir)) {
      done.add("no lab in " + stateDir + " (nothing to do)");
      return done;
    }
    Optional<String> id = labId(stateDir);
    if (id.isEmpty()) {
      done.add(stateDir + " has no " + MARKER + " marker: not a lab state dir, left untouched");
      return done;
    }
    LabState state = null;
    try {
      state = LabState.read(stateDir);
    } catch (IOException e) {
      done.add("no readable lab.json (" + e.getMessage() + "); cleaning by lab id " + id.get());
    }
    if (state != null && (state.kind() == LabKind.INPROCESS || state.bootstrap() != null)) {
      // In-process hosts and a bootstrap's API stand-in live in the JVM that ran `lab up`.
      stopOwner(state, done);
    }
    killProcesses(id.get(), state, done);
    if (state != null && state.bridge() != null) {
      removeLinks(state, done);
    }
    unmountLeftovers(stateDir, done);
    try {
      deleteTree(stateDir);
      done.add("removed " + stateDir);
    } catch (IOException e) {
      done.add("could not remove " + stateDir + ": " + e.getMessage());
    }
    return done;
  }

  private static void stopOwner(LabState state, List<String> done) {
    PidRef owner = state.owner();
    if (owner == null || owner.pid() == ProcessHandle.current().pid() || !owner.alive()) {
      return;
    }
    if (!owner.cmdline().contains("java")) {
      done.add("owner PID " + owner.pid() + " is not a JVM; not signalled");
      return;
    }
    // Its shutdown hook stops the SSH servers and the hosts' processes.
    Procfs.terminate(List.of(owner), 15000);
    done.add(
        "stopped the JVM serving the "
            + (state.kind() == LabKind.INPROCESS ? "in-process hosts" : "API stand-in")
            + " (PID "
            + owner.pid()
            + ")");
  }

  private static void killProcesses(String labId, LabState state, List<String> done) {
    Set<Long> protectedPids = new HashSet<>();
    ProcessHandle.current().parent().ifPresent(p -> addAncestors(p, protectedPids));
    Set<PidRef> anchors = new LinkedHashSet<>(Procfs.withLabId(labId));
    if (state != null) {
      for (HostState h : state.hosts()) {
        for (PidRef p : new PidRef[] {h.holder(), h.sshd()}) {
          if (p != null && p.alive()) {
            anchors.add(p);
          }
        }
      }
    }
    String rootNs = PidRef.nsOf(ProcessHandle.current().pid(), "net");
    Set<String> namespaces = new HashSet<>();
    for (PidRef a : anchors) {
      String ns = a.netns();
      // An anchor carries our random id or is a recorded PID with a matching start time, so a
      // namespace it sits in (other than the machine's) is one of our hosts'.
      if (ns != null && !ns.equals(rootNs)) {
        namespaces.add(ns);
      }
    }
    Set<PidRef> targets = new LinkedHashSet<>(anchors);
    if (!namespaces.isEmpty()) {
      // One pass over /proc for all hosts.
      targets.addAll(Procfs.processes(pid -> namespaces.contains(PidRef.nsOf(pid, "net"))));
    }
    targets.removeIf(p -> protectedPids.contains(p.pid()));
    if (!targets.isEmpty()) {
      Procfs.terminate(new ArrayList<>(targets), 3000);
      done.add(
          "stopped "
              + targets.size()
              + " lab processes in "
              + namespaces.size()
              + " host namespaces");
    }
  }

  private static void addAncestors(ProcessHandle p, Set<Long> out) {
    out.add(p.pid());
    p.parent().ifPresent(pp -> addAncestors(pp, out));
  }

  private static void removeLinks(LabState state, List<String> done) {
    // The veths normally vanished with their namespaces; a survivor is removed here.
    for (HostState h : state.hosts()) {
      if (h.veth() != null && linkExists(h.veth())) {
        Proc.run(IP_TIMEOUT, List.of("ip", "link", "del", h.veth()));
        done.add("deleted veth " + h.veth());
      }
    }
    if (linkExists(state.bridge())) {
      String addrs =
          Proc.run(IP_TIMEOUT, List.of("ip", "-4", "-o", "addr", "show", "dev", state.bridge()))
              .stdout();
      if (addrs.isBlank() || addrs.contains(" " + state.gateway() + "/")) {
        Proc.run(IP_TIMEOUT, List.of("ip", "link", "del", state.bridge()));
        done.add("deleted bridge " + state.bridge());
      } else {
        done.add("bridge " + state.bridge() + " carries other addresses; left in place");
      }
    }
  }

  public static boolean linkExists(String name) {
    return Files.exists(Path.of("/sys/class/net", name));
  }

  private static void unmountLeftovers(Path stateDir, List<String> done) {
    List<String> points = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
        String[] f = line.split(" ");
        if (f.length > 4 && (f[4].equals(stateDir.toString()) || f[4].startsWith(stateDir + "/"))) {
          points.add(f[4]);
        }
      }
    } catch (IOException e) {
      return;
    }
    points.sort((a, b) -> b.length() - a.length());
    for (String p : points) {
      Proc.run(IP_TIMEOUT, List.of("umount", "-l", p));
      done.add("unmounted " + p);
    }
  }

  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.delete(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
              throws IOException {
            // overlayfs leaves a mode-000 work dir; root can delete it, but only once it is
            // searchable.
            if (!Files.isReadable(dir) || !Files.isExecutable(dir)) {
              Files.setPosixFilePermissions(dir, SeedTree.perms(0700));
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
            Files.delete(dir);
            return FileVisitResult.CONTINUE;
          }
        });
  }
}
