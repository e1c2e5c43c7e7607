package dev.graft.server.chaos;

/**
 * HOOK, not wired yet: {@code kubeadm join} on one host of a role fails once after writing its
 * files (a half-done join that the join's repair must clean up and redo). The kubeadm stand-in's
 * fault for it is being added on branch join-repair; until it is merged this fault records itself
 * as "not injected". To wire it: in {@link #arm}, arm that fault on the host (before the
 * submission, like LabFaults.failNext) and set {@link #WIRED} to true. Note for the duplicate
 * count: the failed {@code kubeadm join} is recorded in the host's mutation log, so the round
 * must excuse exactly one repeat of it ({@link #excusedRepeats}) — a second one is a real
 * duplicate.
 */
final class HalfJoin implements Fault {
  static final boolean WIRED = false;
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
      ctx.record(kind() + " (not injected: hook)", "the kubeadm stand-in has no half-join fault yet (" + host + ")");
      return;
    }
    throw new UnsupportedOperationException("arm the kubeadm stand-in's half-join on " + host + " (branch join-repair)");
  }

  @Override
  public void run(RoundContext ctx) {}

  /** The repeats of mutating commands this fault causes on purpose: one kubeadm join on its host. */
  @Override
  public int excusedRepeats(String h, String invocation) {
    return WIRED && h.equals(host) && invocation.startsWith("kubeadm join") ? 1 : 0;
  }
}
