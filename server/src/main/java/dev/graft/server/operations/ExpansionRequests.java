package dev.graft.server.operations;

import dev.graft.server.inventory.HostResolver;
import dev.graft.server.inventory.ImportedInventory;
import dev.graft.server.inventory.InventoryValidator;
import dev.graft.server.planning.PlanningService;
import dev.graft.server.security.ServerFiles;
import java.util.function.Predicate;

/**
 * Plans an expansion from the body {@code POST /api/v1/operations} takes (and {@code POST
 * /api/v1/plans} with the same JSON): the inventory imported, the request's SSH settings applied,
 * the cluster read through the request's kubeconfig (or, without one, nothing assumed but the first
 * control-plane node), all through the {@link PlanningService} that {@code graft plan} uses, so the
 * plan a submit stores is the plan {@code graft plan} prints for the same inputs.
 */
public final class ExpansionRequests {
  private final PlanningService planning;
  private final HostResolver resolver;
  private final ServerFiles files;
  private final boolean checkFiles;

  /**
   * @param files what a request may make the server read (the kubeconfig, an inventory path)
   * @param checkFiles whether key and known_hosts files are checked on this machine (the worker
   *     shares it), and then only under {@code files}' roots
   */
  public ExpansionRequests(
      PlanningService planning, HostResolver resolver, ServerFiles files, boolean checkFiles) {
    this.planning = planning;
    this.resolver = resolver;
    this.files = files;
    this.checkFiles = checkFiles;
  }

  /**
   * Checks the request's inventory, SSH and kubeconfig fields and plans; changes nothing.
   *
   * @param lookAtFiles false for a caller who may not learn which files exist (a viewer)
   */
  public PlanningService.Planned plan(ExpandRequest req, int maxParallel, boolean lookAtFiles) {
    boolean look = checkFiles && lookAtFiles;
    // Key and known_hosts files are looked at only under the allowed roots: elsewhere the answer
    // would tell a token whether any path on the server exists.
    Predicate<String> mayLook = path -> look && files.allows(path);
    ImportedInventory inv = OperationSubmitter.importInventory(req.inventory(), files);
    inv = OperationSubmitter.applySsh(inv, req.ssh(), req.knownHosts(), look ? files : null);
    PlanningService.Source source =
        req.kubeconfig() == null || req.kubeconfig().isBlank()
            ? new PlanningService.AssumeEmpty()
            : new PlanningService.Cluster(
                req.kubeconfig(), files.read("kubeconfig", req.kubeconfig()));
    return planning.plan(inv, source, maxParallel, new InventoryValidator(resolver, mayLook));
  }
}
