package dev.graft.workflows.step;

import java.util.List;

/**
 * What a child workflow tells its parent operation when steps of its own start or stop waiting for
 * an operator (the parent cannot query its children from workflow code).
 *
 * @param childId the child's workflow id
 * @param waiting ids of the child's steps that wait for a decision now (empty once none waits)
 */
public record ChildAttention(String childId, List<String> waiting) {
  public ChildAttention {
    waiting = waiting == null ? List.of() : List.copyOf(waiting);
  }
}
