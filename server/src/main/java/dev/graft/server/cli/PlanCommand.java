package dev.graft.server.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.graft.server.api.ApiProblem;
import dev.graft.server.inventory.DnsHostResolver;
import dev.graft.server.inventory.HostResolver;
import dev.graft.server.inventory.ImportedInventory;
import dev.graft.server.inventory.Inventories;
import dev.graft.server.inventory.InventoryError;
import dev.graft.server.inventory.InventoryException;
import dev.graft.server.inventory.InventoryValidator;
import dev.graft.server.inventory.ObservedStateParser;
import dev.graft.server.operations.ExpandRequest;
import dev.graft.server.operations.RemoveRequests;
import dev.graft.server.operations.UpgradeRequests;
import dev.graft.server.planning.ClusterObserver;
import dev.graft.server.planning.PlanningException;
import dev.graft.server.planning.PlanningService;
import dev.graft.server.security.ServerFiles;
import dev.graft.workflows.plan.PlanOptions;
import dev.graft.workflows.step.ExecutionPolicy;
import io.dropwizard.core.cli.Cli;
import io.dropwizard.core.cli.Command;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.jackson.Jackson;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import net.sourceforge.argparse4j.impl.Arguments;
import net.sourceforge.argparse4j.inf.MutuallyExclusiveGroup;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/**
 * {@code graft plan -i FILE [-o text|json] (--observed FILE | --assume-empty | --kubeconfig FILE)}:
 * imports and validates an inventory, reads the observed state, and prints the expansion plan.
 * Changes nothing. Exit code 0 when the plan may run, 1 when the inventory is invalid or the plan
 * is refused.
 *
 * <p>{@code graft plan -i FILE --kubeconfig K --upgrade --to vX.Y.Z [--max-unavailable N|P%]
 * [--drain-timeout D] [-o json]}: the upgrade's plan instead (versions read from the cluster, skew
 * rules, the order and the worker batches), with the same exit codes.
 *
 * <p>{@code graft plan -i FILE --kubeconfig K --remove N [--remove M …] [--with NEW]
 * [--unreachable] [--clean-orphans] [--accept-no-fault-tolerance] [-o json]}: a removal's (or
 * replacement's) plan: the nodes in order with their steps, etcd's quorum projection per member,
 * the leader move, the orphan pre-check; {@code --clean-orphans} alone plans removing only the
 * orphans.
 */
public final class PlanCommand extends Command {
  static final Duration CLUSTER_TIMEOUT = Duration.ofSeconds(10);
  static final Duration DNS_TIMEOUT = Duration.ofSeconds(2);

  public PlanCommand() {
    super(
        "plan",
        "Show what an expansion (with --upgrade an upgrade, with --remove a removal) would do;"
            + " changes nothing.");
  }

  @Override
  public void configure(Subparser s) {
    s.addArgument("-i", "--inventory")
        .dest("inventory")
        .metavar("FILE")
        .required(true)
        .help("Graft YAML/JSON, kubespray INI or YAML, or MetalK8s Node manifests");
    s.addArgument("-o", "--output")
        .dest("output")
        .choices("text", "json")
        .setDefault("text")
        .help("text for people (default), json for programs");
    s.addArgument("--max-parallel")
        .dest("maxParallel")
        .type(Integer.class)
        .setDefault(PlanOptions.DEFAULT_MAX_PARALLEL)
        .help("workers joining at once");
    s.addArgument("--no-file-checks")
        .dest("noFileChecks")
        .action(Arguments.storeTrue())
        .help(
            "do not check that SSH key and known_hosts files exist here (when they live on"
                + " the worker machine, not this one); every other check still runs");
    s.addArgument("--upgrade")
        .dest("upgrade")
        .action(Arguments.storeTrue())
        .help("plan an upgrade to --to instead of an expansion (needs --kubeconfig)");
    s.addArgument("--to").dest("to").metavar("vX.Y.Z").help("with --upgrade: the target version");
    s.addArgument("--max-unavailable")
        .dest("maxUnavailable")
        .metavar("N|P%")
        .help("with --upgrade: workers upgraded at once, a count or a percentage (default 1)");
    s.addArgument("--drain-timeout")
        .dest("drainTimeout")
        .metavar("DURATION")
        .help("with --upgrade or --remove: how long a node's drain may take (default 5m)");
    s.addArgument("--remove")
        .dest("remove")
        .metavar("N")
        .action(Arguments.append())
        .help(
            "plan removing node N instead of an expansion (repeat for several; needs --kubeconfig)");
    s.addArgument("--with")
        .dest("with")
        .metavar("NEW")
        .help("with one --remove OLD: plan replacing OLD by control plane NEW (graft replace)");
    s.addArgument("--clean-orphans")
        .dest("cleanOrphans")
        .action(Arguments.storeTrue())
        .help("plan a removal of the orphans the pre-check finds (alone, or with --remove)");
    s.addArgument("--unreachable")
        .dest("unreachable")
        .action(Arguments.storeTrue())
        .help("with --remove: the nodes cannot be reached (no drain, no kubeadm reset)");
    s.addArgument("--accept-no-fault-tolerance")
        .dest("acceptNoFaultTolerance")
        .action(Arguments.storeTrue())
        .help(
            "with --remove: accept etcd keeping its quorum without fault tolerance (behind an approval)");
    MutuallyExclusiveGroup g = s.addMutuallyExclusiveGroup("observed state").required(true);
    g.addArgument("--observed")
        .dest("observed")
        .metavar("FILE")
        .help("observed state from a file (docs/inventory.md)");
    g.addArgument("--assume-empty")
        .dest("assumeEmpty")
        .action(Arguments.storeTrue())
        .help("nothing exists but the first control-plane node, taken as bootstrapped");
    g.addArgument("--kubeconfig")
        .dest("kubeconfig")
        .metavar("FILE")
        .help(
            "read the cluster: kubeadm-config fills what the inventory leaves to defaults, the"
                + " Nodes and etcd members (through a control-plane node over SSH, unless the inventory"
                + " names etcd client files) are what exists");
    s.epilog(
        "Exit code: 0 the plan may run; 1 invalid inventory, unreadable cluster or refused plan.");
  }

  @Override
  public void run(Bootstrap<?> bootstrap, Namespace ns) throws Exception {
    if (ns.getList("remove") != null || Boolean.TRUE.equals(ns.getBoolean("cleanOrphans"))) {
      if (ns.getString("kubeconfig") == null) {
        System.err.println(
            "graft plan: --remove reads the Nodes and etcd's members: pass --kubeconfig FILE");
        throw new PlanNotAccepted();
      }
      List<String> nodes = ns.getList("remove");
      int code =
          executeRemove(
              ns.getString("inventory"),
              ns.getString("output"),
              ns.getString("kubeconfig"),
              new ExpandRequest.Remove(
                  nodes == null ? List.of() : nodes,
                  ns.getBoolean("unreachable"),
                  ns.getString("drainTimeout"),
                  ns.getBoolean("cleanOrphans"),
                  ns.getBoolean("acceptNoFaultTolerance"),
                  ns.getString("with")),
              !Boolean.TRUE.equals(ns.getBoolean("noFileChecks")),
              new DnsHostResolver(DNS_TIMEOUT),
              System.out,
              System.err);
      if (code != 0) {
        throw new PlanNotAccepted();
      }
      return;
    }
    if (Boolean.TRUE.equals(ns.getBoolean("upgrade"))) {
      if (ns.getString("kubeconfig") == null) {
        System.err.println(
            "graft plan: --upgrade reads the cluster's versions: pass --kubeconfig FILE");
        throw new PlanNotAccepted();
      }
      int code =
          executeUpgrade(
              ns.getString("inventory"),
              ns.getString("output"),
              ns.getString("kubeconfig"),
              ns.getString("to"),
              ns.getString("maxUnavailable"),
              ns.getString("drainTimeout"),
              !Boolean.TRUE.equals(ns.getBoolean("noFileChecks")),
              new DnsHostResolver(DNS_TIMEOUT),
              System.out,
              System.err);
      if (code != 0) {
        throw new PlanNotAccepted();
      }
      return;
    }
    int code =
        execute(
            ns.getString("inventory"),
            ns.getString("output"),
            ns.getString("observed"),
            Boolean.TRUE.equals(ns.getBoolean("assumeEmpty")),
            ns.getString("kubeconfig"),
            ns.getInt("maxParallel"),
            !Boolean.TRUE.equals(ns.getBoolean("noFileChecks")),
            new DnsHostResolver(DNS_TIMEOUT),
            System.out,
            System.err);
    if (code != 0) {
      throw new PlanNotAccepted();
    }
  }

  /** Dropwizard turns a thrown exception into exit code 1; the message is already printed. */
  @Override
  public void onError(Cli cli, Namespace namespace, Throwable e) {
    if (!(e instanceof PlanNotAccepted)) {
      cli.getStdErr().println("graft plan: " + e);
    }
  }

  /** The whole command without Dropwizard around it; returns the exit code. */
  static int execute(
      String inventory,
      String output,
      String observedFile,
      boolean assumeEmpty,
      String kubeconfig,
      int maxParallel,
      boolean checkFiles,
      HostResolver resolver,
      PrintStream out,
      PrintStream err) {
    try {
      if (maxParallel < 1 || maxParallel > 500) {
        err.println("graft plan: --max-parallel must lie between 1 and 500");
        return 1;
      }
      ImportedInventory inv = Inventories.load(Path.of(inventory));
      PlanningService.Source source;
      if (observedFile != null) {
        source =
            new PlanningService.ObservedFile(
                observedFile, ObservedStateParser.load(Path.of(observedFile)));
      } else if (assumeEmpty) {
        source = new PlanningService.AssumeEmpty();
      } else {
        // The CLI reads the operator's own files: no server roots apply (ServerFiles still bounds
        // the read and refuses what is not a regular file). Workers use the same absolute path.
        String path = Path.of(kubeconfig).toAbsolutePath().toString();
        source = new PlanningService.Cluster(path, ServerFiles.anywhere().read("kubeconfig", path));
      }
      PlanningService.Planned planned =
          planning().plan(inv, source, maxParallel, new InventoryValidator(resolver, checkFiles));
      if ("json".equals(output)) {
        // As an operation stores it: routing steps carry their route count, not the n×(n−1)
        // route lists (OperationRequest), so this is byte for byte what a submit would run.
        out.println(json(planned.plan().withoutRoutes()));
      } else {
        out.print(
            PlanText.render(
                planned.inventory(),
                planned.from(),
                planned.observed(),
                planned.plan(),
                maxParallel));
      }
      return planned.plan().refused() ? 1 : 0;
    } catch (Exception e) {
      return failed(e, err);
    }
  }

  /**
   * The planning service as the CLI runs it: SSH with the operator's own key files, wherever they
   * are.
   */
  static PlanningService planning() {
    return new PlanningService(new ClusterObserver(CLUSTER_TIMEOUT, path -> true));
  }

  /** {@code graft plan -o json}: the plan exactly as an operation stores it, indented. */
  public static String json(Object plan) throws JsonProcessingException {
    ObjectMapper json = Jackson.newObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    return json.writeValueAsString(plan);
  }

  /**
   * Says why a plan could not be made, in this command's words (its flags); returns exit code 1.
   */
  private static int failed(Exception e, PrintStream err) {
    if (e instanceof InventoryException i) {
      err.println(
          i.errors().size() == 1
              ? "graft plan: invalid input:"
              : "graft plan: " + i.errors().size() + " problems:");
      for (InventoryError x : i.errors()) {
        err.println("  " + x);
      }
    } else if (e instanceof PlanningException || e instanceof ApiProblem) {
      err.println("graft plan: " + flags(e.getMessage()));
    } else {
      err.println("graft plan: " + e.getMessage());
    }
    return 1;
  }

  /** The checks are the REST API's; their field names become this command's flags. */
  private static String flags(String message) {
    return message
        .replace("field upgrade.to", "--to")
        .replace("field upgrade.maxUnavailable", "--max-unavailable")
        .replace("field upgrade.drainTimeout", "--drain-timeout")
        .replace("field kubeconfig", "--kubeconfig")
        .replace("field remove.nodes", "--remove")
        .replace("remove.cleanOrphans: true", "--clean-orphans")
        .replace("field remove.with", "--with")
        .replace("field remove.drainTimeout", "--drain-timeout")
        .replace("field remove.acceptNoFaultTolerance", "--accept-no-fault-tolerance");
  }

  /**
   * {@code graft plan --upgrade} without Dropwizard around it; returns the exit code (0 the plan
   * may run, 1 invalid input, an unreadable cluster or a refused plan).
   */
  static int executeUpgrade(
      String inventory,
      String output,
      String kubeconfig,
      String to,
      String maxUnavailable,
      String drainTimeout,
      boolean checkFiles,
      HostResolver resolver,
      PrintStream out,
      PrintStream err) {
    try {
      if (to == null || to.isBlank()) {
        err.println("graft plan: --upgrade needs --to vX.Y.Z, the target version");
        return 1;
      }
      UpgradeRequests.Target target =
          UpgradeRequests.target(new ExpandRequest.Upgrade(to, maxUnavailable, drainTimeout));
      ImportedInventory inv = Inventories.load(Path.of(inventory));
      // The CLI reads the operator's own files: no server roots apply (ServerFiles still bounds
      // the read and refuses what is not a regular file).
      String kubeconfigPath = Path.of(kubeconfig).toAbsolutePath().toString();
      ServerFiles files = ServerFiles.anywhere();
      UpgradeRequests.Planned planned =
          new UpgradeRequests(planning(), new InventoryValidator(resolver, checkFiles), files)
              .plan(inv, kubeconfigPath, files.read("kubeconfig", kubeconfigPath), target);
      if ("json".equals(output)) {
        out.println(json(planned.plan()));
      } else {
        out.print(UpgradePlanText.render(planned.inventory(), kubeconfig, planned.plan()));
      }
      return planned.plan().refused() ? 1 : 0;
    } catch (Exception e) {
      return failed(e, err);
    }
  }

  /**
   * {@code graft plan --remove N [--with NEW]} (or {@code --clean-orphans} alone) without
   * Dropwizard around it: the plan {@code graft remove}/{@code graft replace} would submit, read
   * through the same code; returns the exit code (0 it may run, 1 invalid, unreadable or refused).
   */
  static int executeRemove(
      String inventory,
      String output,
      String kubeconfig,
      ExpandRequest.Remove remove,
      boolean checkFiles,
      HostResolver resolver,
      PrintStream out,
      PrintStream err) {
    try {
      RemoveRequests.Target target = RemoveRequests.target(remove);
      ImportedInventory inv = Inventories.load(Path.of(inventory));
      String kubeconfigPath = Path.of(kubeconfig).toAbsolutePath().toString();
      ServerFiles files = ServerFiles.anywhere();
      RemoveRequests.Planned planned =
          new RemoveRequests(
                  planning(),
                  new InventoryValidator(resolver, checkFiles),
                  files,
                  ExecutionPolicy.DEFAULTS,
                  checkFiles)
              .plan(inv, kubeconfigPath, files.read("kubeconfig", kubeconfigPath), target);
      if ("json".equals(output)) {
        out.println(json(planned.plan()));
      } else {
        out.print(
            RemovalPlanText.render(
                planned.inventory(), kubeconfig, planned.plan(), planned.addition()));
      }
      return planned.plan().refused() ? 1 : 0;
    } catch (Exception e) {
      return failed(e, err);
    }
  }

  /** Signals exit code 1 after the reason has been printed. */
  static final class PlanNotAccepted extends Exception {
    private static final long serialVersionUID = 1L;

    PlanNotAccepted() {
      super("plan not accepted", null, false, false);
    }
  }
}
