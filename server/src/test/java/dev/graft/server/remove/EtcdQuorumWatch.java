package dev.graft.server.remove;

import dev.graft.activities.etcd.EtcdMemberReader;
import dev.graft.activities.etcd.EtcdTls;
import dev.graft.workflows.plan.EtcdMember;
import io.etcd.jetcd.Client;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Reads etcd about once a second in a thread of its own while an operation runs, as the replace
 * demo's watcher does: the voters, the learners and the healthy voters (a member is healthy when
 * its status answers in time and names a leader, {@link EtcdMemberReader}). It reads through the
 * members that stay, never through one the operation removes or adds (a learner answers no member
 * list). A sample that no member answered, twice (the second time with a fresh client), is kept as
 * unanswered: it proves nothing either way.
 */
final class EtcdQuorumWatch implements AutoCloseable {
  /** One read: at (ms since the watch started), voters, learners, healthy voters. */
  record Sample(long at, int voters, int learners, int healthy, boolean answered) {
    boolean majority() {
      return answered && healthy >= voters / 2 + 1;
    }

    @Override
    public String toString() {
      return String.format("%5.1fs ", at / 1e3)
          + (!answered
              ? "no answer"
              : healthy
                  + "/"
                  + voters
                  + (learners > 0 ? "+" + learners + "L" : "")
                  + (majority() ? "" : " LOST"));
    }
  }

  private final List<String> endpoints;
  private final EtcdTls tls;
  private final Duration timeout;
  private final List<Sample> samples = new CopyOnWriteArrayList<>();
  private final long start = System.nanoTime();
  private final Thread thread;
  private volatile boolean running = true;

  private EtcdQuorumWatch(List<String> endpoints, EtcdTls tls, Duration timeout) {
    this.endpoints = List.copyOf(endpoints);
    this.tls = tls;
    this.timeout = timeout;
    this.thread = new Thread(this::loop, "remove-e2e-etcd-watch");
    thread.setDaemon(true);
  }

  /**
   * Starts watching through {@code endpoints}; each read waits at most {@code timeout} per call.
   */
  static EtcdQuorumWatch start(List<String> endpoints, EtcdTls tls, Duration timeout) {
    EtcdQuorumWatch w = new EtcdQuorumWatch(endpoints, tls, timeout);
    w.thread.start();
    return w;
  }

  /** The samples so far (a copy). */
  List<Sample> samples() {
    return List.copyOf(samples);
  }

  /** Stops the thread and returns every sample. */
  List<Sample> stop() throws InterruptedException {
    running = false;
    thread.interrupt();
    thread.join(30_000);
    return samples();
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }

  private void loop() {
    Client client = null;
    try {
      while (running) {
        long t = System.nanoTime();
        long at = (t - start) / 1_000_000;
        List<EtcdMember> m = null;
        for (int i = 0; i < 2 && m == null && running; i++) {
          try {
            if (client == null) {
              client = EtcdMemberReader.client(endpoints, tls, timeout);
            }
            m = new EtcdMemberReader(client, timeout).readMembers();
          } catch (Exception e) {
            // The channel may sit on a connection that went bad: once more, afresh.
            if (client != null) {
              client.close();
              client = null;
            }
          }
        }
        if (!running) {
          break;
        }
        if (m == null) {
          samples.add(new Sample(at, 0, 0, 0, false));
        } else {
          int voters = (int) m.stream().filter(x -> !x.learner()).count();
          int healthy = (int) m.stream().filter(x -> !x.learner() && x.healthy()).count();
          samples.add(new Sample(at, voters, m.size() - voters, healthy, true));
        }
        long wait = 1_000 - (System.nanoTime() - t) / 1_000_000;
        if (wait > 0) {
          Thread.sleep(wait);
        }
      }
    } catch (InterruptedException e) {
      // stopped
    } finally {
      if (client != null) {
        client.close();
      }
    }
  }
}
