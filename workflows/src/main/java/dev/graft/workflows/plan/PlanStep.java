package dev.graft.workflows.plan;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.graft.workflows.model.Role;
import java.util.List;

/**
 * One step of a phase.
 *
 * @param node the node the step acts on (null for cluster-wide verification steps)
 * @param action a stable machine name: precheck, join-control-plane, join-control-plane-with-etcd,
 *     add-etcd-member, join-worker, install-routes, verify-nodes-ready, verify-etcd,
 *     verify-pod-network
 * @param roles what the node becomes (empty for cluster-wide steps)
 * @param description one line for people
 * @param checks the safety checks the step runs, in order
 * @param quorum the etcd quorum projection (control-plane and etcd steps only)
 * @param routes the routes the step installs (routing steps only)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PlanStep(
    String node,
    String action,
    List<Role> roles,
    String description,
    List<String> checks,
    QuorumProjection quorum,
    List<Route> routes) {
  public PlanStep {
    roles = roles == null ? List.of() : List.copyOf(roles);
    checks = checks == null ? List.of() : List.copyOf(checks);
    routes = routes == null ? null : List.copyOf(routes);
  }
}
