package dev.graft.server.cli;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/** Finds out, before anything starts, whether the ports a command will bind are free. */
public final class PortCheck {
  private PortCheck() {}

  /** The "host:port" entries that cannot be bound right now. */
  public static List<String> busy(List<String> bindings) {
    List<String> busy = new ArrayList<>();
    for (String binding : bindings) {
      int colon = binding.lastIndexOf(':');
      String host = binding.substring(0, colon);
      int port = Integer.parseInt(binding.substring(colon + 1));
      if (port == 0) {
        continue; // an ephemeral port is always free
      }
      try (ServerSocket socket = new ServerSocket()) {
        socket.setReuseAddress(true); // as Jetty and gRPC bind
        socket.bind(new InetSocketAddress(host, port));
      } catch (IOException e) {
        busy.add(binding);
      }
    }
    return busy;
  }

  /** True when the throwable, or any of its causes, is a failure to bind a port. */
  public static boolean isBindFailure(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof BindException) {
        return true;
      }
      String m = c.getMessage();
      if (m != null && (m.contains("Address already in use") || m.contains("Failed to bind"))) {
        return true;
      }
    }
    return false;
  }
}
