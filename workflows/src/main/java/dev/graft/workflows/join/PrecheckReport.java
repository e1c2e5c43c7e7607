package dev.graft.workflows.join;

import dev.graft.workflows.step.Observation;
import java.util.List;

/** Every pre-check of a node, run to the end even after a failure. */
public record PrecheckReport(String node, List<CheckResult> checks, int attempt)
    implements Observation {
  @Override
  public String summary() {
    long failed = checks.stream().filter(c -> !c.passed() && !c.fixable()).count();
    long fixable = checks.stream().filter(c -> !c.passed() && c.fixable()).count();
    return checks.size()
        + " checks: "
        + (checks.size() - failed - fixable)
        + " passed, "
        + fixable
        + " fixed by provisioning, "
        + failed
        + " failed";
  }

  @Override
  public String outputTail() {
    StringBuilder b = new StringBuilder();
    for (CheckResult c : checks) {
      b.append(c.passed() ? "ok    " : c.fixable() ? "fix   " : "FAIL  ")
          .append(c.name())
          .append(": ")
          .append(c.saw());
      if (!c.passed() && c.fix() != null) {
        b.append(" — ").append(c.fix());
      }
      b.append('\n');
    }
    return b.toString();
  }
}
