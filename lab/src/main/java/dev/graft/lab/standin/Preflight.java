package dev.graft.lab.standin;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * kubeadm's pre-flight checks as the stand-in runs them: each failed check is an [ERROR name], or a
 * [WARNING name] when --ignore-preflight-errors names it (or "all"); any error fails the phase with
 * kubeadm's wording.
 */
final class Preflight {
  private final Kubeadm k;
  private final Set<String> ignored;
  private final List<String> errors = new ArrayList<>();
  private final List<String> warnings = new ArrayList<>();

  Preflight(Kubeadm k, String ignoreFlag) {
    this.k = k;
    this.ignored =
        ignoreFlag == null
            ? Set.of()
            : Arrays.stream(ignoreFlag.split(","))
                .map(s -> s.strip().toLowerCase(Locale.ROOT))
                .filter(s -> !s.isEmpty())
                .collect(Collectors.toSet());
  }

  void fileAvailable(String hostPath) {
    if (Files.exists(k.path(hostPath))) {
      fail("FileAvailable-" + hostPath.replace('/', '-'), hostPath + " already exists");
    }
  }

  void dirAvailable(String hostPath) throws IOException {
    Path p = k.path(hostPath);
    if (Files.isDirectory(p)) {
      try (var s = Files.list(p)) {
        if (s.findAny().isPresent()) {
          fail("DirAvailable-" + hostPath.replace('/', '-'), hostPath + " is not empty");
        }
      }
    }
  }

  /** kubeadm's PortOpenCheck: something already listens on the port (any address). */
  void portOpen(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(port));
    } catch (IOException e) {
      fail("Port-" + port, "Port " + port + " is in use");
    }
  }

  /** The CRI endpoint must be a listening unix socket, as crictl's connection check requires. */
  void criSocket(String endpoint) {
    String path = endpoint.startsWith("unix://") ? endpoint.substring(7) : endpoint;
    Path socket = k.path(path);
    if (!Files.exists(socket) && path.startsWith("/var/run/")) {
      socket = k.path(path.substring(4)); // /var/run is a symlink to /run on real hosts
    }
    String problem = null;
    if (!Files.exists(socket)) {
      problem = "connect: no such file or directory";
    } else {
      try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
        ch.connect(UnixDomainSocketAddress.of(socket));
      } catch (IOException e) {
        problem = "connect: connection refused";
      }
    }
    if (problem != null) {
      fail(
          "CRI",
          "container runtime is not running: output: validate service connection:"
              + " validate CRI v1 runtime API for endpoint \""
              + endpoint
              + "\": rpc error: code ="
              + " Unavailable desc = connection error: desc = \"transport: Error while dialing: dial"
              + " unix "
              + path
              + ": "
              + problem
              + "\", error: exit status 1");
    }
  }

  void swap() throws IOException {
    Path swaps = k.path("/proc/swaps");
    if (!Files.exists(swaps)) {
      swaps = Path.of("/proc/swaps");
    }
    if (Files.exists(swaps) && Files.readAllLines(swaps).size() > 1) {
      fail("Swap", "running with swap on is not supported. Please disable swap");
    }
  }

  void kubeletEnabled() {
    // The link points at a host path, which need not exist outside a sandbox root: test the link.
    if (!Files.exists(
        k.path("/etc/systemd/system/multi-user.target.wants/kubelet.service"),
        LinkOption.NOFOLLOW_LINKS)) {
      warnings.add(
          "\t[WARNING Service-Kubelet]: kubelet service is not enabled, please run"
              + " 'systemctl enable kubelet.service'");
    }
  }

  void fail(String name, String message) {
    if (ignored.contains("all") || ignored.contains(name.toLowerCase(Locale.ROOT))) {
      warnings.add("\t[WARNING " + name + "]: " + message);
    } else {
      errors.add("\t[ERROR " + name + "]: " + message);
    }
  }

  /** Prints the warnings; throws kubeadm's preflight failure when any check failed. */
  void finish() throws StandinFailure {
    warnings.forEach(k.out::println);
    if (!errors.isEmpty()) {
      throw StandinFailure.phase(
          "preflight",
          "[preflight] Some fatal errors occurred:\n"
              + String.join("\n", errors)
              + "\n[preflight] If you know what you are doing, you can make"
              + " a check non-fatal with `--ignore-preflight-errors=...`");
    }
  }
}
