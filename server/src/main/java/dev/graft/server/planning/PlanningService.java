package dev.graft.server.planning;

import dev.graft.server.inventory.ImportedInventory;
import dev.graft.server.inventory.Inventories;
import dev.graft.server.inventory.InventoryException;
import dev.graft.server.inventory.InventoryFormat;
import dev.graft.server.inventory.InventoryPlanner;
import dev.graft.server.inventory.InventoryValidator;
import dev.graft.server.security.ServerFiles;
import dev.graft.workflows.plan.AssumedState;
import dev.graft.workflows.plan.ExpansionPlan;
import dev.graft.workflows.plan.ObservedCluster;
import dev.graft.workflows.plan.PlanMessage;
import dev.graft.workflows.plan.PlanOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The one way an expansion is planned, shared by {@code graft plan}, {@code POST /api/v1/plans} and
 * {@code POST /api/v1/operations}: import the inventory (one size limit, one format detection),
 * observe the cluster when a kubeconfig is given ({@link ClusterObserver}: what the cluster decides
 * fills the inventory's defaults, etcd is read through a control-plane node unless the inventory
 * names client files), validate, plan, and add the drift report and the orphan pre-check (learners,
 * members without a Node, Nodes without a host: each with its proposed step). What the SRE approves
 * with {@code graft plan} is therefore the plan an operation stores and runs.
 *
 * <p>Errors are the inventory's ({@link InventoryException}: file, line, field) or the planning's
 * ({@link PlanningException}: a request field, or a cluster that cannot be read); the callers say
 * them in their own terms.
 */
public final class PlanningService {
  private final ClusterObserver observer;

  public PlanningService(ClusterObserver observer) {
    this.observer = observer;
  }

  /**
   * As the server runs it: clusters read with a 10 s bound on every call, and a control-plane node
   * reached over SSH only with key and known_hosts files under the server's allowed roots.
   */
  public static PlanningService within(ServerFiles files) {
    return new PlanningService(new ClusterObserver(Duration.ofSeconds(10), files::allows));
  }

  /** Where the plan's picture of the cluster comes from. */
  public sealed interface Source permits AssumeEmpty, ObservedFile, Cluster {
    /** What the plan's text calls it. */
    String label();
  }

  /**
   * Nothing exists but the inventory's first control-plane node (a cluster Graft bootstraps
   * around).
   */
  public record AssumeEmpty() implements Source {
    @Override
    public String label() {
      return "--assume-empty";
    }
  }

  /** The observed state from a file ({@code --observed}). */
  public record ObservedFile(String file, ObservedCluster observed) implements Source {
    @Override
    public String label() {
      return file;
    }
  }

  /** The cluster itself, through an admin kubeconfig (its path and its content). */
  public record Cluster(String kubeconfigPath, String content) implements Source {
    @Override
    public String label() {
      return kubeconfigPath;
    }
  }

  /** The inventory as planned (gaps filled from the cluster), what was observed, and the plan. */
  public record Planned(
      ImportedInventory inventory, ObservedCluster observed, ExpansionPlan plan, String from) {}

  /**
   * Imports an inventory given as text, whatever carried it (a file the CLI read, a request body, a
   * request field): one size limit (4 MiB), one format detection ({@code format} null: detected
   * from the name and the content).
   */
  public static ImportedInventory importText(String file, String text, InventoryFormat format) {
    return Inventories.importText(file, text, format);
  }

  /** Observes, validates and plans; nothing changes anywhere. */
  public Planned plan(
      ImportedInventory inv, Source source, int maxParallel, InventoryValidator validator) {
    if (maxParallel < 1 || maxParallel > 500) {
      throw PlanningException.field(
          "maxParallel", "must lie between 1 and 500, not " + maxParallel);
    }
    ObservedCluster observed;
    List<PlanMessage> drift = List.of();
    if (source instanceof Cluster c) {
      ClusterObserver.Observation o = observer.observe(inv, c.kubeconfigPath(), c.content());
      inv = o.inventory();
      observed = o.observed();
      drift = new ArrayList<>(o.drift());
      drift.addAll(o.orphanWarnings(List.of()));
    } else if (source instanceof ObservedFile f) {
      observed = f.observed();
    } else {
      validator.validate(inv); // the assumed state needs a valid first control-plane node
      observed = AssumedState.bootstrapOnly(inv.cluster());
    }
    ExpansionPlan plan =
        new InventoryPlanner(validator)
            .plan(inv, observed, new PlanOptions(maxParallel))
            .withWarnings(drift);
    return new Planned(inv, observed, plan, source.label());
  }

  /**
   * The cluster as it is (a removal's view), the inventory's gaps filled, through the same
   * observer.
   */
  public ClusterObserver.Observation observe(
      ImportedInventory inv, String kubeconfigPath, String content) {
    return observer.observe(inv, kubeconfigPath, content);
  }

  /**
   * The upgrade's view of the cluster (versions, the inventory's gaps filled), through the same
   * observer.
   */
  public ClusterObserver.Versions versions(
      ImportedInventory inv, String kubeconfigPath, String content) {
    return observer.readVersions(inv, kubeconfigPath, content);
  }
}
