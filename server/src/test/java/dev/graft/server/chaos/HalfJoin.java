package dev.graft.server.chaos;

/**
 * {@code kubeadm join} on one host of a role fails once after writing its files, as real kubeadm
 * leaves them (a worker at kubelet-start; a control plane after its etcd learner was added): the
 * join's repair must clean up (and remove the member) and join again, with no operator. The failed
 * {@code kubeadm join} is in the host's mutation log, so the round excuses exactly one repeat of it
 * ({@link #excusedRepeats}); a second one is a real duplicate.
 */
final class HalfJoin implements Fault {
  static final boolean WIRED = true;
  private final boolean controlPlane;
  private String host;

  HalfJoin(boolean controlPlane) {
    this.controlPlane = controlPlane;
  }

  @Override
  public String kind() {
    return controlPlane ? "half-join-cp" : "half-join-worker";
  }

  @Override
  public void arm(RoundContext ctx) {
    host = (controlPlane ? ctx.lab.controlPlanes() : ctx.lab.workers()).get(0);
    if (!WIRED) {
      ctx.record(
          kind() + " (not injected: hook)",
          "the kubeadm stand-in has no half-join fault yet (" + host + ")");
      return;
    }
    ctx.lab
        .lab
        .faults()
        .failJoinAfter(host, controlPlane ? "control-plane-join/etcd" : "kubelet-start", 1);
    ctx.record(kind(), "kubeadm join on " + host + " fails once after writing its files");
  }

  @Override
  public void run(RoundContext ctx) {}

  /**
   * The repeats of mutating commands this fault causes on purpose: one kubeadm join on its host.
   */
  @Override
  public int excusedRepeats(String h, String invocation) {
    return WIRED && h.equals(host) && invocation.startsWith("kubeadm join") ? 1 : 0;
  }
}
