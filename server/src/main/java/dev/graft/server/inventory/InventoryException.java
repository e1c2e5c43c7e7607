package dev.graft.server.inventory;

import java.util.List;
import java.util.stream.Collectors;

/**
 * An inventory could not be imported or failed validation. Carries every problem found, each
 * positioned; importers never return a partial result alongside it.
 */
public class InventoryException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final transient List<InventoryError> errors;

  public InventoryException(List<InventoryError> errors) {
    super(summary(errors));
    if (errors.isEmpty()) {
      throw new IllegalArgumentException("an InventoryException needs at least one error");
    }
    this.errors = List.copyOf(errors);
  }

  public InventoryException(InventoryError error) {
    this(List.of(error));
  }

  public List<InventoryError> errors() {
    return errors;
  }

  private static String summary(List<InventoryError> errors) {
    if (errors.size() == 1) {
      return errors.get(0).toString();
    }
    return errors.size()
        + " problems in the inventory:\n  "
        + errors.stream().map(InventoryError::toString).collect(Collectors.joining("\n  "));
  }
}
