package dev.graft.server.security;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.Collection;
import java.util.Collections;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * The host names a request's {@code Host} header may carry: the addresses the application
 * connectors bind, their loopback names when they bind loopback, every local address and the
 * machine's name when they bind all interfaces, and {@code http.allowedHosts}. Ports are not
 * compared: a rebinding page reaches the right port under the wrong name, and the name is what
 * gives it away.
 */
public final class AllowedHosts {
  private final Set<String> names;

  private AllowedHosts(Set<String> names) {
    this.names = Collections.unmodifiableSet(names);
  }

  public static AllowedHosts of(Collection<String> bindHosts, Collection<String> configured) {
    Set<String> out = new TreeSet<>();
    for (String bind : bindHosts) {
      addBinding(out, bind);
    }
    for (String name : configured) {
      out.add(normalize(name));
    }
    return new AllowedHosts(out);
  }

  private static void addBinding(Set<String> out, String bind) {
    if (bind == null
        || bind.isBlank()
        || "0.0.0.0".equals(bind)
        || "::".equals(bind)
        || "[::]".equals(bind)) {
      addLoopback(out);
      try {
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
          for (InetAddress a : Collections.list(nic.getInetAddresses())) {
            out.add(normalize(a.getHostAddress().replaceAll("%.*$", "")));
          }
        }
        out.add(normalize(InetAddress.getLocalHost().getHostName()));
      } catch (SocketException | UnknownHostException e) {
        // Without the interface list only loopback and the configured names are allowed, which
        // fails closed: http.allowedHosts adds the rest.
      }
      return;
    }
    out.add(normalize(bind));
    try {
      if (InetAddress.getByName(bind).isLoopbackAddress()) {
        addLoopback(out);
      }
    } catch (UnknownHostException e) {
      // A name that does not resolve cannot be bound either; Jetty will say so.
    }
  }

  private static void addLoopback(Set<String> out) {
    out.add("localhost");
    out.add("127.0.0.1");
    out.add("[::1]");
  }

  /** Lower case, an IPv6 literal in brackets, no port. */
  static String normalize(String host) {
    String h = host.trim().toLowerCase(Locale.ROOT);
    if (h.indexOf(':') >= 0 && !h.startsWith("[")) {
      return "[" + h + "]";
    }
    return h;
  }

  /**
   * The host part of a {@code Host} header ({@code name}, {@code name:port}, {@code [v6]:port}).
   */
  static String hostOf(String header) {
    String h = header.trim().toLowerCase(Locale.ROOT);
    if (h.startsWith("[")) {
      int end = h.indexOf(']');
      return end < 0 ? h : h.substring(0, end + 1);
    }
    int colon = h.lastIndexOf(':');
    h = colon >= 0 ? h.substring(0, colon) : h;
    return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
  }

  public boolean allows(String hostHeader) {
    return names.contains(hostOf(hostHeader));
  }

  public Set<String> names() {
    return names;
  }
}
