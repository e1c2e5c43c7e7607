package dev.graft.workflows.plan;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.List;

/**
 * What an expansion will do, computed before anything changes. A plan with refusals must not be
 * executed; warnings are for the operator to read.
 *
 * @param existingNodes nodes already registered, in inventory order, then the ones the inventory
 *     lacks
 * @param additions the nodes to add, in the order their phases reach them
 * @param phases the ordered phases (empty when there is nothing to do)
 * @param etcdMembersBefore voting and learner members today
 * @param etcdMembersAfter members once the plan has run
 * @param notes information that is neither a warning nor a refusal
 */
@JsonIgnoreProperties(
    value = {"refused"},
    allowGetters = true)
public record ExpansionPlan(
    String clusterName,
    List<String> existingNodes,
    List<NodeAddition> additions,
    List<Phase> phases,
    int etcdMembersBefore,
    int etcdMembersAfter,
    List<PlanMessage> warnings,
    List<PlanMessage> refusals,
    List<String> notes) {
  public ExpansionPlan {
    existingNodes = existingNodes == null ? List.of() : List.copyOf(existingNodes);
    additions = additions == null ? List.of() : List.copyOf(additions);
    phases = phases == null ? List.of() : List.copyOf(phases);
    warnings = warnings == null ? List.of() : List.copyOf(warnings);
    refusals = refusals == null ? List.of() : List.copyOf(refusals);
    notes = notes == null ? List.of() : List.copyOf(notes);
  }

  /** True when the plan must not run. */
  @JsonProperty("refused")
  public boolean refused() {
    return !refusals.isEmpty();
  }

  /** The phase of that kind, or null when the plan has none. */
  public Phase phase(PhaseKind kind) {
    return phases.stream().filter(p -> p.kind() == kind).findFirst().orElse(null);
  }

  /**
   * The same plan without the routing steps' route lists. Those hold n×(n−1) routes (about 17 MB of
   * JSON at 500 nodes, far over Temporal's 2 MB payload limit) and the routing workflow computes
   * the routes itself; each routing step keeps its one-line description with the count.
   */
  public ExpansionPlan withoutRoutes() {
    if (phases.stream().flatMap(p -> p.steps().stream()).allMatch(s -> s.routes() == null)) {
      return this;
    }
    List<Phase> compact = new ArrayList<>(phases.size());
    for (Phase p : phases) {
      List<PlanStep> steps = new ArrayList<>(p.steps().size());
      for (PlanStep s : p.steps()) {
        steps.add(
            s.routes() == null
                ? s
                : new PlanStep(
                    s.node(),
                    s.action(),
                    s.roles(),
                    s.description(),
                    s.checks(),
                    s.quorum(),
                    null));
      }
      compact.add(new Phase(p.kind(), p.title(), p.parallelism(), steps));
    }
    return with(compact, warnings, notes);
  }

  /** The same plan with more warnings appended (the drift between inventory and cluster). */
  public ExpansionPlan withWarnings(List<PlanMessage> more) {
    if (more.isEmpty()) {
      return this;
    }
    List<PlanMessage> all = new ArrayList<>(warnings);
    all.addAll(more);
    return with(phases, all, notes);
  }

  /** The same plan with more notes appended (importers add theirs). */
  public ExpansionPlan withNotes(List<String> more) {
    List<String> all = new ArrayList<>(notes);
    all.addAll(more);
    return with(phases, warnings, all);
  }

  /** The same plan with these phases, warnings and notes. */
  private ExpansionPlan with(List<Phase> p, List<PlanMessage> w, List<String> n) {
    return new ExpansionPlan(
        clusterName,
        existingNodes,
        additions,
        p,
        etcdMembersBefore,
        etcdMembersAfter,
        w,
        refusals,
        n);
  }
}
