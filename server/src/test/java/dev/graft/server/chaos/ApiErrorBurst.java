package dev.graft.server.chaos;

import java.time.Duration;

/**
 * HOOK, not wired yet: a burst of Kubernetes API errors. The API stand-in's fault that answers
 * 500 or closes the connection for a fraction of requests for a while is being added on branch
 * watch-etcd; until it is merged this fault records itself as "not injected" and does nothing.
 * To wire it: in {@link #inject}, call that fault on {@code ctx.lab.lab.api().orElseThrow()} with
 * {@code fraction} and {@code lasting}, and set {@link #WIRED} to true.
 */
final class ApiErrorBurst implements Fault {
  static final boolean WIRED = false;
  private final Trigger trigger;
  private final double fraction;
  private final Duration lasting;

  ApiErrorBurst(Trigger trigger, double fraction, Duration lasting) {
    this.trigger = trigger;
    this.fraction = fraction;
    this.lasting = lasting;
  }

  @Override
  public String kind() {
    return "api-burst";
  }

  @Override
  public void run(RoundContext ctx) throws Exception {
    String moment = trigger.await(ctx);
    if (!WIRED) {
      ctx.record(kind() + " (not injected: hook)", "the API stand-in has no error-burst fault yet " + moment);
      return;
    }
    inject(ctx);
    ctx.record(kind(), String.format("%.0f%% of requests fail for %d s %s", fraction * 100, lasting.toSeconds(), moment));
  }

  private void inject(RoundContext ctx) {
    throw new UnsupportedOperationException("wire the API stand-in's error burst here (branch watch-etcd)");
  }
}
