package dev.graft.server.inventory;

import dev.graft.workflows.model.ClusterSpec;
import java.util.List;

/**
 * A successfully imported inventory: the cluster, where each value came from, and notes about what
 * the importer chose to ignore or default (shown to the operator with the plan).
 */
public record ImportedInventory(
    String file,
    InventoryFormat format,
    ClusterSpec cluster,
    SourcePositions positions,
    List<String> notes) {
  public ImportedInventory {
    notes = List.copyOf(notes);
  }
}
