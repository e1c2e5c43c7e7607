package dev.graft.server.inventory;

import java.util.Collection;
import java.util.Set;

/** Tells which host names resolve. Injectable so that tests need no DNS. */
public interface HostResolver {
  /** The subset of {@code hosts} that do NOT resolve (within the resolver's time limit). */
  Set<String> unresolvable(Collection<String> hosts);
}
