package dev.graft.workflows.plan;

/**
 * An etcd member as the member list reports it.
 *
 * @param name the member name (empty for a member that was added but never started)
 * @param id the member id in hex, may be null in hand-written observed files
 * @param peerUrl its first peer URL, e.g. {@code https://10.200.70.11:2380}
 * @param healthy its status answered in time, it sees a leader and raises no alarm
 * @param learner a non-voting learner that has not been promoted yet
 */
public record EtcdMember(String name, String id, String peerUrl, boolean healthy, boolean learner) {
  /** The host part of the peer URL, or null. */
  public String peerHost() {
    if (peerUrl == null) {
      return null;
    }
    String s = peerUrl;
    int scheme = s.indexOf("://");
    if (scheme >= 0) {
      s = s.substring(scheme + 3);
    }
    int slash = s.indexOf('/');
    if (slash >= 0) {
      s = s.substring(0, slash);
    }
    if (s.startsWith("[")) {
      int end = s.indexOf(']');
      return end > 0 ? s.substring(1, end) : s;
    }
    int colon = s.lastIndexOf(':');
    return colon >= 0 ? s.substring(0, colon) : s;
  }
}
