package dev.graft.server.chaos;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Predicate;

/** The figures of a chaos run, printed; the same numbers a test asserts on. */
final class ChaosReport {
  final List<RoundResult> baseline;
  final List<RoundResult> rounds;

  ChaosReport(List<RoundResult> baseline, List<RoundResult> rounds) {
    this.baseline = baseline;
    this.rounds = rounds;
  }

  long completions() {
    return rounds.stream().filter(RoundResult::completed).count();
  }

  int interventions() {
    return rounds.stream().mapToInt(r -> r.interventions().size()).sum();
  }

  int duplicates() {
    return rounds.stream().mapToInt(RoundResult::duplicates).sum();
  }

  int kills() {
    return rounds.stream().mapToInt(RoundResult::kills).sum();
  }

  List<Takeovers.Takeover> takeovers() {
    return rounds.stream().flatMap(r -> r.takeovers().stream()).toList();
  }

  /** The undisturbed wall time: the median of the completed baseline rounds (null without any). */
  Long baselineMillis() {
    return median(
        baseline.stream().filter(RoundResult::completed).map(RoundResult::wallMillis).toList());
  }

  /** Per completed round that {@code which} selects: its wall time less the undisturbed one. */
  List<Long> extra(Predicate<RoundResult> which) {
    Long base = baselineMillis();
    if (base == null) {
      return List.of();
    }
    return rounds.stream()
        .filter(RoundResult::completed)
        .filter(which)
        .map(r -> r.wallMillis() - base)
        .toList();
  }

  static boolean onlyKills(RoundResult r, int kills) {
    return r.kills() == kills && r.faults().stream().allMatch("sigkill"::equals);
  }

  /**
   * A round whose only fault is one kill that interrupted a control plane's {@code kubeadm join}.
   */
  static boolean killedDuringControlPlaneJoin(RoundResult r) {
    return onlyKills(r, 1)
        && r.takeovers().stream()
            .anyMatch(
                t ->
                    t.activity().startsWith("Kubeadm.")
                        && t.activity().toLowerCase(Locale.ROOT).contains("join")
                        && r.controlPlanes().stream()
                            .anyMatch(cp -> t.workflowId().endsWith("/node/" + cp)));
  }

  void print(PrintStream out, String rerun) {
    out.println("=== chaos figures ===");
    out.printf(
        Locale.ROOT,
        "rounds: %d with faults, %d undisturbed (baseline)%n",
        rounds.size(),
        baseline.size());
    out.printf(Locale.ROOT, "completions: %d/%d%n", completions(), rounds.size());
    out.printf(
        Locale.ROOT,
        "operator interventions needed: %d (goal 0) %s%n",
        interventions(),
        rounds.stream()
            .flatMap(r -> r.interventions().stream().map(i -> r.name() + " " + i))
            .toList());
    out.printf(
        Locale.ROOT,
        "duplicate mutating commands per host, summed: %d (goal 0) %s%n",
        duplicates(),
        rounds.stream()
            .flatMap(r -> r.duplicateDetail().stream().map(d -> r.name() + " " + d))
            .toList());
    long interrupting =
        rounds.stream()
            .flatMap(r -> r.injections().stream())
            .filter(i -> i.kind().equals("sigkill") && !i.detail().startsWith("no activity"))
            .count();
    List<Takeovers.Takeover> t = takeovers();
    List<Long> resumed =
        t.stream().map(Takeovers.Takeover::millis).filter(Objects::nonNull).toList();
    List<Long> afterPoll =
        t.stream().map(Takeovers.Takeover::afterPollMillis).filter(Objects::nonNull).toList();
    out.printf(
        Locale.ROOT,
        "SIGKILLs: %d, %d of them with a step in flight (%d steps); steps never run again: %d%n",
        kills(),
        interrupting,
        t.size(),
        t.size() - resumed.size());
    out.printf(
        Locale.ROOT,
        "takeover, kill -> the step starts on the new worker: median %s, max %s (n=%d)%n",
        sec(median(resumed)),
        sec(max(resumed)),
        resumed.size());
    out.printf(
        Locale.ROOT,
        "takeover, new worker polls -> the step starts on it: median %s, max %s%n",
        sec(median(afterPoll)),
        sec(max(afterPoll)));
    for (String step : t.stream().map(Takeovers.Takeover::activity).distinct().sorted().toList()) {
      List<Long> s =
          t.stream()
              .filter(x -> x.activity().equals(step))
              .map(Takeovers.Takeover::millis)
              .filter(Objects::nonNull)
              .toList();
      out.printf(
          Locale.ROOT,
          "  %-26s n=%d median %s max %s%n",
          step,
          s.size(),
          sec(median(s)),
          sec(max(s)));
    }
    List<Long> base =
        baseline.stream()
            .filter(RoundResult::completed)
            .map(RoundResult::wallMillis)
            .sorted()
            .toList();
    out.printf(
        Locale.ROOT,
        "undisturbed expansion: median %s %s%n",
        sec(baselineMillis()),
        base.stream().map(ChaosReport::sec).toList());
    List<Long> oneKill = extra(r -> onlyKills(r, 1));
    out.printf(
        Locale.ROOT,
        "extra wall per fault, sigkill (rounds with one kill only): median %s, max %s (n=%d)%n",
        sec(median(oneKill)),
        sec(max(oneKill)),
        oneKill.size());
    List<Long> cpJoin = extra(ChaosReport::killedDuringControlPlaneJoin);
    out.printf(
        Locale.ROOT,
        "  of which the kill hit a control plane's kubeadm join: median %s, max %s (n=%d)%n",
        sec(median(cpJoin)),
        sec(max(cpJoin)),
        cpJoin.size());
    Long killOnly = median(oneKill);
    for (String kind : List.of("link-flap", "api-burst")) {
      List<Long> with =
          extra(
              r -> r.kills() == 1 && r.injections().stream().anyMatch(i -> i.kind().equals(kind)));
      List<Long> net = killOnly == null ? List.of() : with.stream().map(x -> x - killOnly).toList();
      out.printf(
          Locale.ROOT,
          "extra wall per fault, %s (beyond its round's one kill): median %s, max %s (n=%d)%n",
          kind,
          sec(median(net)),
          sec(max(net)),
          net.size());
    }
    List<Long> perKill = new ArrayList<>();
    for (RoundResult r : rounds) {
      if (r.completed() && r.kills() > 1 && baselineMillis() != null) {
        perKill.add((r.wallMillis() - baselineMillis()) / r.kills());
      }
    }
    if (!perKill.isEmpty()) {
      out.printf(
          Locale.ROOT,
          "extra wall per kill in rounds with several kills: %s%n",
          perKill.stream().map(ChaosReport::sec).toList());
    }
    rounds.stream()
        .flatMap(r -> r.injections().stream())
        .map(RoundContext.Injection::kind)
        .filter(k -> k.contains("not injected"))
        .distinct()
        .sorted()
        .forEach(
            k ->
                out.printf(
                    Locale.ROOT,
                    "%s: %d round(s)%n",
                    k,
                    rounds.stream()
                        .filter(r -> r.injections().stream().anyMatch(i -> i.kind().equals(k)))
                        .count()));
    for (RoundResult r : rounds) {
      out.printf(
          Locale.ROOT,
          "  %s %s wall %s faults %s takeovers %s%s%n",
          r.name(),
          r.state(),
          sec(r.wallMillis()),
          r.injections().stream()
              .map(
                  i ->
                      i.kind()
                          + " +"
                          + sec(i.atMillis() - r.submittedAtMillis())
                          + " "
                          + abbreviate(i.detail(), 160))
              .toList(),
          r.takeovers().stream().map(x -> x.activity() + " " + sec(x.millis())).toList(),
          r.problems().isEmpty() ? "" : " PROBLEMS " + abbreviate(r.problems().toString(), 2000));
    }
    out.println("rerun: " + rerun);
  }

  private static String abbreviate(String s, int n) {
    return s.length() > n ? s.substring(0, n) + "…" : s;
  }

  static Long median(List<Long> xs) {
    if (xs.isEmpty()) {
      return null;
    }
    List<Long> s = xs.stream().sorted().toList();
    return s.get(s.size() / 2);
  }

  static Long max(List<Long> xs) {
    return xs.stream().max(Long::compare).orElse(null);
  }

  static String sec(Long millis) {
    return millis == null ? "n/a" : String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
  }
}
