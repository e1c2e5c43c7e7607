package dev.graft.workflows.expand;

import java.util.List;

/**
 * The nodes that must be Ready, through the Kubernetes API.
 *
 * @param kubeconfig path of the admin kubeconfig on the worker (a reference)
 */
public record NodesReadyRequest(String cluster, String kubeconfig, List<String> nodes) {
  public NodesReadyRequest {
    nodes = nodes == null ? List.of() : List.copyOf(nodes);
  }
}
