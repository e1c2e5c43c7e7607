package dev.graft.activities.kube;

import dev.graft.activities.common.Liveness;
import dev.graft.workflows.FailureTypes;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * Polls one Node until a look at it decides the step's result, heartbeating what it saw (the step's
 * live output) and staying alive while a request waits out its timeout, so a slow API is not taken
 * for a dead worker. The Node Ready wait of a join and an upgrade's wait for Ready at the target
 * version both run on it.
 */
public final class NodeWait {
  private NodeWait() {}

  /**
   * One look at the Node (null when it does not exist): a result to return, or null to look again.
   */
  public interface Look<R> {
    R decide(Node live, boolean waited);
  }

  /**
   * @param describe what a look saw, for the heartbeat and the timeout's failure ("Ready",
   *     "NotReady (…)")
   * @param timedOut the failure once {@code timeout} has passed, from the last thing seen
   */
  public static <R> R until(
      KubernetesClient kube,
      String name,
      Duration timeout,
      Duration poll,
      Function<Node, String> describe,
      Look<R> look,
      Function<String, RuntimeException> timedOut) {
    ActivityExecutionContext ctx = Activity.getExecutionContext();
    Instant deadline = Instant.now().plus(timeout);
    AtomicReference<String> seen = new AtomicReference<>(name + ": waiting");
    boolean waited = false;
    try (Liveness liveness = Liveness.start(ctx, seen::get)) {
      while (true) {
        Node live = kube.nodes().withName(name).get();
        String saw = describe.apply(live);
        seen.set(name + ": " + saw);
        R result = look.decide(live, waited);
        if (result != null) {
          return result;
        }
        if (Instant.now().isAfter(deadline)) {
          throw timedOut.apply(saw);
        }
        ctx.heartbeat(seen.get()); // throws when the step is cancelled
        liveness.beaten();
        waited = true;
        Thread.sleep(poll.toMillis());
      }
    } catch (KubernetesClientException e) {
      throw KubeFailures.toApplicationFailure("wait for Node " + name, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ApplicationFailure.newFailure(
          "interrupted while waiting for " + name, FailureTypes.INTERRUPTED);
    }
  }
}
