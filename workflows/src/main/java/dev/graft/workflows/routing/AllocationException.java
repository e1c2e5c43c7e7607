package dev.graft.workflows.routing;

/**
 * Pod CIDR allocation cannot proceed. Raised before anything changes, so an activity can turn it
 * into a non-retryable failure of the named {@link #type()} with nothing half-done.
 */
public final class AllocationException extends RuntimeException {
  private final String type;

  public AllocationException(String type, String message) {
    super(message);
    this.type = type;
  }

  /** PodNetworkInvalid, PodCidrInvalid, PodCidrConflict or PodCidrExhausted. */
  public String type() {
    return type;
  }
}
