package dev.graft.server.planning;

/**
 * Planning could not be done: a request field is wrong ({@link #field()} names it; REST answers
 * 400, the CLI names its flag) or the cluster could not be read (REST answers 422). Inventory
 * problems are {@link dev.graft.server.inventory.InventoryException}s, with file, line and field.
 */
public final class PlanningException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String field;

  private PlanningException(String field, String message) {
    super(message);
    this.field = field;
  }

  /** A request field (or CLI flag) is wrong. */
  public static PlanningException field(String field, String message) {
    return new PlanningException(field, message);
  }

  /** The cluster could not be read as the plan needs it. */
  public static PlanningException cluster(String message) {
    return new PlanningException(null, message);
  }

  /** The request field at fault, or null when the cluster could not be read. */
  public String field() {
    return field;
  }
}
