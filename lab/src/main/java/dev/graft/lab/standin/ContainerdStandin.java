package dev.graft.lab.standin;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The container runtime stand-in's socket, for hosts without perl: a listening unix socket at
 * /run/containerd/containerd.sock that accepts connections and closes them. It answers the "is a
 * runtime there" checks (socket exists and accepts); it speaks no CRI.
 */
public final class ContainerdStandin {
  private ContainerdStandin() {}

  public static void main(String[] argv) throws IOException {
    Path socket = HostPaths.fromEnvironment().get("/run/containerd/containerd.sock");
    Files.createDirectories(socket.getParent());
    Files.deleteIfExists(socket);
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(socket));
      while (true) {
        try (SocketChannel c = server.accept()) {
          // Accept and close: a CRI client sees a runtime that is present but says nothing.
        }
      }
    }
  }
}
