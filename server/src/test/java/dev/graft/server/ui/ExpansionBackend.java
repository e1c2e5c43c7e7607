package dev.graft.server.ui;

import java.time.Duration;
import java.util.List;

/**
 * Where the browser tests' expansions run: the seam between the UI tests and what executes the
 * workflows. {@link FakeFleetBackend} runs the real workflows (cluster, expansion, node join,
 * routing) on fast in-memory fakes of the hosts and the Kubernetes API; a lab backend (real hosts
 * in network namespaces, real SSH) can take its place without changing the tests.
 */
interface ExpansionBackend extends AutoCloseable {
  /** Starts the workers that run expansions on this Temporal's task queue. */
  void start(String temporalTarget, String taskQueue) throws Exception;

  /**
   * The inventory (kubespray INI) of a cluster named {@code cluster} with one control-plane node
   * that is already there, growing by {@code workers} new workers.
   */
  String inventory(String cluster, List<String> workers);

  /**
   * Makes {@code step} ("reach", "precheck", "provision", "register", "join", "ready", "routes") on
   * {@code node} fail the next {@code times} times it runs, retryably, with this message and
   * output, as a broken node would.
   */
  void fail(String step, String node, int times, String message, String output);

  /** Makes the join of {@code node} take a while, printing these lines as it goes. */
  void slowJoin(String node, List<String> lines, Duration every);

  @Override
  void close() throws Exception;
}
