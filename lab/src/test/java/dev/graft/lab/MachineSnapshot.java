package dev.graft.lab;

import dev.graft.lab.host.Proc;
import dev.graft.lab.host.Procfs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** What a lab could leave behind on the machine: links, named netns, mounts, lab processes. */
record MachineSnapshot(Set<String> links, Set<String> namedNetns, Set<String> mounts) {

  static MachineSnapshot take() throws IOException {
    Set<String> links;
    try (Stream<Path> s = Files.list(Path.of("/sys/class/net"))) {
      links = s.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
    }
    Set<String> netns =
        new TreeSet<>(
            Proc.run(Duration.ofSeconds(10), List.of("ip", "netns", "list"))
                .stdout()
                .lines()
                .toList());
    Set<String> mounts = new TreeSet<>();
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String[] f = line.split(" ");
      mounts.add(f[4] + " " + f[f.length - 3]);
    }
    return new MachineSnapshot(links, netns, mounts);
  }

  /**
   * A link of another lab on this machine (another test run, another worktree): its bridge {@code
   * graftlab<k>} or a veth {@code gl<k>h<i>} of a slot that is not this lab's. Such links come and
   * go while this test runs; they are that lab's to remove, not this one's.
   */
  static boolean otherLabs(String link, LabState lab) {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("(?:graftlab|gl)(\\d+)(?:h\\d+)?").matcher(link);
    if (!m.matches() || lab.bridge() == null) {
      return false;
    }
    return !lab.bridge().equals("graftlab" + m.group(1));
  }

  /** Differences of {@code after} against this snapshot, empty when nothing was left. */
  List<String> leftovers(MachineSnapshot after, LabState lab) {
    List<String> left = new ArrayList<>();
    after.links.stream()
        .filter(l -> !links.contains(l) && !otherLabs(l, lab))
        .forEach(l -> left.add("link " + l));
    after.namedNetns.stream()
        .filter(n -> !namedNetns.contains(n))
        .forEach(n -> left.add("netns " + n));
    after.mounts.stream().filter(m -> !mounts.contains(m)).forEach(m -> left.add("mount " + m));
    Procfs.withLabId(lab.id()).forEach(p -> left.add("process " + p.pid() + " " + p.cmdline()));
    for (HostState h : lab.hosts()) {
      if (h.netns() != null) {
        Procfs.inNetns(h.netns())
            .forEach(p -> left.add("process in " + h.name() + ": " + p.cmdline()));
      }
      if (h.holder() != null && h.holder().alive()) {
        left.add("holder of " + h.name());
      }
    }
    if (Files.exists(Path.of(lab.stateDir()))) {
      left.add("state dir " + lab.stateDir());
    }
    return left;
  }
}
