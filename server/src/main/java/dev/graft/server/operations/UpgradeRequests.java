package dev.graft.server.operations;

import dev.graft.server.api.ApiProblem;
import dev.graft.server.inventory.ImportedInventory;
import dev.graft.server.inventory.InventoryValidator;
import dev.graft.server.planning.ClusterObserver;
import dev.graft.server.planning.PlanningService;
import dev.graft.server.security.ServerFiles;
import dev.graft.workflows.plan.UpgradePlan;
import dev.graft.workflows.upgrade.KubeVersion;
import dev.graft.workflows.upgrade.UpgradeInput;
import dev.graft.workflows.upgrade.UpgradePlanner;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Plans an upgrade from a request: its {@code upgrade} section checked (a 400 naming the field),
 * the inventory imported as an expansion's is, the cluster read through the kubeconfig
 * (kubeadm-config's kubernetesVersion, every Node's kubelet version and readiness), and {@link
 * UpgradePlanner} asked. Changes nothing; the submitter and {@code POST /api/v1/plans} share it.
 */
public final class UpgradeRequests {
  /** What a request may make the server read: the kubeconfig within paths.allowedRoots. */
  private final ServerFiles files;

  static final Duration DEFAULT_DRAIN = Duration.ofMinutes(5);
  static final Duration MIN_DRAIN = Duration.ofSeconds(10);
  static final Duration MAX_DRAIN = Duration.ofHours(24);
  private static final Pattern COUNT = Pattern.compile("^(\\d{1,4})$");
  private static final Pattern PERCENT = Pattern.compile("^(\\d{1,3})%$");
  private static final Pattern DURATION = Pattern.compile("^(\\d{1,6})\\s*(ms|s|m|min|h)?$");

  private final PlanningService planning;
  private final InventoryValidator validator;

  public UpgradeRequests(
      PlanningService planning, InventoryValidator validator, ServerFiles files) {
    this.files = files;
    this.planning = planning;
    this.validator = validator;
  }

  /**
   * The upgrade section as the planner takes it: a normalised version, batch size, drain timeout.
   */
  public record Target(String to, String maxUnavailable, Duration drainTimeout) {}

  /** The inventory as planned (gaps filled from the cluster) and the plan. */
  public record Planned(ImportedInventory inventory, UpgradePlan plan) {}

  /** Checks the request's upgrade section and plans it against the cluster its kubeconfig names. */
  public Planned plan(ExpandRequest req) {
    Target target = target(req.upgrade());
    if (req.kubeconfig() == null || req.kubeconfig().isBlank()) {
      throw ApiProblem.field(
          "kubeconfig",
          "is required for an upgrade: the cluster's version and"
              + " every kubelet's are read through it");
    }
    String kubeconfig = files.read("kubeconfig", req.kubeconfig());
    ImportedInventory inv = OperationSubmitter.importInventory(req.inventory(), files);
    inv = OperationSubmitter.applySsh(inv, req.ssh(), req.knownHosts(), files);
    return plan(inv, req.kubeconfig(), kubeconfig, target);
  }

  /** Reads the cluster and plans; an invalid inventory throws InventoryException (400). */
  public Planned plan(ImportedInventory inv, String kubeconfig, String content, Target target) {
    ClusterObserver.Versions v = planning.versions(inv, kubeconfig, content);
    validator.validate(v.inventory());
    UpgradePlan plan =
        UpgradePlanner.plan(
                new UpgradeInput(
                    v.inventory().cluster(),
                    v.kubeadm().kubernetesVersion(),
                    v.nodes(),
                    target.to(),
                    target.maxUnavailable(),
                    target.drainTimeout()))
            .withWarnings(v.orphans());
    return new Planned(v.inventory(), plan);
  }

  /**
   * The upgrade section, checked: 400 naming {@code upgrade.to}, {@code upgrade.maxUnavailable} …
   */
  public static Target target(ExpandRequest.Upgrade u) {
    if (u == null) {
      throw ApiProblem.field("upgrade", "is required for kind \"upgrade\": {\"to\": \"v1.31.0\"}");
    }
    if (u.to() == null || u.to().isBlank()) {
      throw ApiProblem.field("upgrade.to", "is required: the target version, e.g. v1.31.0");
    }
    KubeVersion to = KubeVersion.parse(u.to());
    if (to == null) {
      throw ApiProblem.field(
          "upgrade.to",
          "\"" + u.to() + "\" is not a Kubernetes version: give vMAJOR.MINOR.PATCH, e.g. v1.31.0");
    }
    return new Target(
        to.toString(), maxUnavailable(u.maxUnavailable()), drainTimeout(u.drainTimeout()));
  }

  static String maxUnavailable(String m) {
    if (m == null || m.isBlank()) {
      return "1";
    }
    String t = m.trim();
    Matcher c = COUNT.matcher(t);
    Matcher p = PERCENT.matcher(t);
    int n =
        c.matches()
            ? Integer.parseInt(c.group(1))
            : p.matches() ? Integer.parseInt(p.group(1)) : -1;
    if (c.matches() && n >= 1 && n <= 1000 || p.matches() && n >= 1 && n <= 100) {
      return t;
    }
    throw ApiProblem.field(
        "upgrade.maxUnavailable",
        "\""
            + m
            + "\" is neither a count of workers (1..1000) nor a percentage of them (1%..100%)");
  }

  static Duration drainTimeout(String d) {
    return drainTimeout(d, "upgrade.drainTimeout");
  }

  /**
   * A drain timeout as requests give it (90s, 5m, 1h; 10 s to 24 h), a 400 naming {@code field}
   * otherwise.
   */
  static Duration drainTimeout(String d, String field) {
    if (d == null || d.isBlank()) {
      return DEFAULT_DRAIN;
    }
    Matcher m = DURATION.matcher(d.trim().toLowerCase(Locale.ROOT));
    Duration out = null;
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      String unit = m.group(2) == null ? "s" : m.group(2);
      out =
          switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "m", "min" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofSeconds(n);
          };
    }
    if (out == null || out.compareTo(MIN_DRAIN) < 0 || out.compareTo(MAX_DRAIN) > 0) {
      throw ApiProblem.field(
          field, "\"" + d + "\" is not a duration between 10s and 24h (e.g. 90s, 5m, 1h)");
    }
    return out;
  }
}
