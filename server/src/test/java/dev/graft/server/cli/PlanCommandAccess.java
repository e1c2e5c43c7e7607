package dev.graft.server.cli;

import dev.graft.server.inventory.HostResolver;
import java.io.PrintStream;
import java.util.Set;

/** {@code graft plan} for tests in other packages: the command without Dropwizard around it. */
public final class PlanCommandAccess {
  private static final HostResolver NO_DNS = hosts -> Set.of();

  private PlanCommandAccess() {}

  /**
   * {@code graft plan -i inventory -o output --kubeconfig kubeconfig --max-parallel n}; the exit
   * code.
   */
  public static int execute(
      String inventory,
      String output,
      String kubeconfig,
      int maxParallel,
      PrintStream out,
      PrintStream err) {
    return PlanCommand.execute(
        inventory, output, null, false, kubeconfig, maxParallel, true, NO_DNS, out, err);
  }

  /** The JSON {@code graft plan -o json} prints for a plan. */
  public static String json(Object plan) throws Exception {
    return PlanCommand.json(plan);
  }
}
