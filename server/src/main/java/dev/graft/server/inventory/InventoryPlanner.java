package dev.graft.server.inventory;

import dev.graft.workflows.plan.ExpansionPlan;
import dev.graft.workflows.plan.ObservedCluster;
import dev.graft.workflows.plan.PlanOptions;
import dev.graft.workflows.plan.Planner;

/** Validation, then the pure planner, then the importer's notes: what the CLI and REST share. */
public final class InventoryPlanner {
  private final InventoryValidator validator;

  public InventoryPlanner(InventoryValidator validator) {
    this.validator = validator;
  }

  /**
   * @throws InventoryException when the inventory is invalid (every problem, positioned)
   */
  public ExpansionPlan plan(ImportedInventory inv, ObservedCluster observed, PlanOptions options) {
    validator.validate(inv);
    return Planner.plan(inv.cluster(), observed, options).withNotes(inv.notes());
  }
}
