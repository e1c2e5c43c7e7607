package dev.graft.server.chaos;

import java.time.Duration;

/**
 * A joining host's link goes down for {@code downFor} and comes back (LabFaults.cutLink /
 * restoreLink: {@code ip link set … down/up} on its veth): SSH sessions stall, the kubelet misses
 * heartbeats, etcd on a control plane loses its peers for that long.
 */
final class LinkFlap implements Fault {
  private final Trigger trigger;
  private final Duration downFor;
  private volatile String cut;

  LinkFlap(Trigger trigger, Duration downFor) {
    this.trigger = trigger;
    this.downFor = downFor;
  }

  @Override
  public String kind() {
    return "link-flap";
  }

  @Override
  public void run(RoundContext ctx) throws Exception {
    String moment = trigger.await(ctx);
    String host = ctx.lab.joining().get(ctx.random.nextInt(ctx.lab.joining().size()));
    cut = host;
    ctx.lab.lab.faults().cutLink(host);
    ctx.record(kind(), host + " down for " + downFor.toSeconds() + " s " + moment);
    System.out.printf("chaos: link of %s down for %d s %s%n", host, downFor.toSeconds(), moment);
    Thread.sleep(downFor.toMillis());
    ctx.lab.lab.faults().restoreLink(host);
    cut = null;
  }

  @Override
  public void heal(RoundContext ctx) {
    String host = cut;
    if (host != null) {
      ctx.lab.lab.faults().restoreLink(host);
      cut = null;
    }
  }
}
