package dev.graft.server.chaos;

import java.time.Duration;

/**
 * A burst of Kubernetes API errors: for {@code lasting}, the API stand-in answers {@code fraction}
 * of Graft's requests with HTTP 500 or closes their connection (half each, by the round's seed).
 * Graft's API steps must ride it out through their retries (fabric8 retries nothing itself), with
 * no operator.
 */
final class ApiErrorBurst implements Fault {
  static final boolean WIRED = true;
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
      ctx.record(
          kind() + " (not injected: hook)",
          "the API stand-in has no error-burst fault yet " + moment);
      return;
    }
    inject(ctx);
    ctx.record(
        kind(),
        String.format(
            "%.0f%% of requests fail for %d s %s", fraction * 100, lasting.toSeconds(), moment));
  }

  private void inject(RoundContext ctx) {
    long seed = ctx.random.nextLong();
    dev.graft.lab.standin.ApiFaults.Kind kind =
        ctx.random.nextBoolean()
            ? dev.graft.lab.standin.ApiFaults.Kind.ERROR_500
            : dev.graft.lab.standin.ApiFaults.Kind.CLOSE;
    ctx.lab
        .lab
        .faults()
        .api()
        .inject(
            new dev.graft.lab.standin.ApiFaults.Fault(kind, fraction, null, null, lasting, seed));
  }
}
