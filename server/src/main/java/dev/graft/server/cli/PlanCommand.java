package dev.graft.server.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.graft.activities.etcd.EtcdMemberReader;
import dev.graft.activities.etcd.EtcdTls;
import dev.graft.activities.kube.KubeClients;
import dev.graft.activities.kube.KubeNodeReader;
import dev.graft.activities.kube.ObservedClusterReader;
import dev.graft.server.inventory.DnsHostResolver;
import dev.graft.server.inventory.HostResolver;
import dev.graft.server.inventory.ImportedInventory;
import dev.graft.server.inventory.Inventories;
import dev.graft.server.inventory.InventoryError;
import dev.graft.server.inventory.InventoryException;
import dev.graft.server.inventory.InventoryPlanner;
import dev.graft.server.inventory.InventoryValidator;
import dev.graft.server.inventory.ObservedStateParser;
import dev.graft.server.operations.ApiProblem;
import dev.graft.server.operations.ExistingCluster;
import dev.graft.server.operations.ExpandRequest;
import dev.graft.server.operations.UpgradeRequests;
import dev.graft.workflows.model.ClusterSpec;
import dev.graft.workflows.plan.AssumedState;
import dev.graft.workflows.plan.ExpansionPlan;
import dev.graft.workflows.plan.ObservedCluster;
import dev.graft.workflows.plan.PlanOptions;
import io.dropwizard.core.cli.Cli;
import io.dropwizard.core.cli.Command;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.jackson.Jackson;
import io.etcd.jetcd.Client;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import net.sourceforge.argparse4j.impl.Arguments;
import net.sourceforge.argparse4j.inf.MutuallyExclusiveGroup;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/**
 * {@code graft plan -i FILE [-o text|json] (--observed FILE | --assume-empty | --kubeconfig
 * FILE)}: imports and validates an inventory, reads the observed state, and prints the expansion
 * plan. Changes nothing. Exit code 0 when the plan may run, 1 when the inventory is invalid or the
 * plan is refused.
 *
 * <p>{@code graft plan -i FILE --kubeconfig K --upgrade --to vX.Y.Z [--max-unavailable N|P%]
 * [--drain-timeout D] [-o json]}: the upgrade's plan instead (versions read from the cluster,
 * skew rules, the order and the worker batches), with the same exit codes.
 */
public final class PlanCommand extends Command {
  static final Duration CLUSTER_TIMEOUT = Duration.ofSeconds(10);
  static final Duration DNS_TIMEOUT = Duration.ofSeconds(2);

  public PlanCommand() {
    super("plan", "Show what an expansion (or with --upgrade, an upgrade) would do; changes nothing.");
  }

  @Override
  public void configure(Subparser s) {
    s.addArgument("-i", "--inventory").dest("inventory").metavar("FILE").required(true)
        .help("Graft YAML/JSON, kubespray INI or YAML, or MetalK8s Node manifests");
    s.addArgument("-o", "--output").dest("output").choices("text", "json").setDefault("text")
        .help("text for people (default), json for programs");
    s.addArgument("--max-parallel").dest("maxParallel").type(Integer.class)
        .setDefault(PlanOptions.DEFAULT_MAX_PARALLEL).help("workers joining at once");
    s.addArgument("--no-file-checks").dest("noFileChecks").action(Arguments.storeTrue())
        .help("do not check that SSH key and known_hosts files exist here (when they live on"
            + " the worker machine, not this one); every other check still runs");
    s.addArgument("--upgrade").dest("upgrade").action(Arguments.storeTrue())
        .help("plan an upgrade to --to instead of an expansion (needs --kubeconfig)");
    s.addArgument("--to").dest("to").metavar("vX.Y.Z").help("with --upgrade: the target version");
    s.addArgument("--max-unavailable").dest("maxUnavailable").metavar("N|P%")
        .help("with --upgrade: workers upgraded at once, a count or a percentage (default 1)");
    s.addArgument("--drain-timeout").dest("drainTimeout").metavar("DURATION")
        .help("with --upgrade: how long a node's drain may take (default 5m)");
    MutuallyExclusiveGroup g = s.addMutuallyExclusiveGroup("observed state").required(true);
    g.addArgument("--observed").dest("observed").metavar("FILE")
        .help("observed state from a file (docs/inventory.md)");
    g.addArgument("--assume-empty").dest("assumeEmpty").action(Arguments.storeTrue())
        .help("nothing exists but the first control-plane node, taken as bootstrapped");
    g.addArgument("--kubeconfig").dest("kubeconfig").metavar("FILE")
        .help("read nodes from the cluster and etcd members from the inventory's endpoints");
    s.epilog("Exit code: 0 the plan may run; 1 invalid inventory, unreadable cluster or refused plan.");
  }

  @Override
  public void run(Bootstrap<?> bootstrap, Namespace ns) throws Exception {
    if (Boolean.TRUE.equals(ns.getBoolean("upgrade"))) {
      if (ns.getString("kubeconfig") == null) {
        System.err.println("graft plan: --upgrade reads the cluster's versions: pass --kubeconfig FILE");
        throw new PlanNotAccepted();
      }
      int code = executeUpgrade(ns.getString("inventory"), ns.getString("output"),
          ns.getString("kubeconfig"), ns.getString("to"), ns.getString("maxUnavailable"),
          ns.getString("drainTimeout"), !Boolean.TRUE.equals(ns.getBoolean("noFileChecks")),
          new DnsHostResolver(DNS_TIMEOUT), System.out, System.err);
      if (code != 0) {
        throw new PlanNotAccepted();
      }
      return;
    }
    int code = execute(ns.getString("inventory"), ns.getString("output"),
        ns.getString("observed"), Boolean.TRUE.equals(ns.getBoolean("assumeEmpty")),
        ns.getString("kubeconfig"), ns.getInt("maxParallel"),
        !Boolean.TRUE.equals(ns.getBoolean("noFileChecks")), new DnsHostResolver(DNS_TIMEOUT),
        System.out, System.err);
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
  static int execute(String inventory, String output, String observedFile, boolean assumeEmpty,
      String kubeconfig, int maxParallel, boolean checkFiles, HostResolver resolver,
      PrintStream out, PrintStream err) {
    try {
      if (maxParallel < 1) {
        err.println("graft plan: --max-parallel must be at least 1");
        return 1;
      }
      ImportedInventory inv = Inventories.load(Path.of(inventory));
      ObservedCluster observed;
      String from;
      if (observedFile != null) {
        observed = ObservedStateParser.load(Path.of(observedFile));
        from = observedFile;
      } else if (assumeEmpty) {
        observed = AssumedState.bootstrapOnly(inv.cluster());
        from = "--assume-empty";
      } else {
        observed = fromCluster(kubeconfig, inv.cluster());
        from = kubeconfig;
      }
      ExpansionPlan plan = new InventoryPlanner(new InventoryValidator(resolver, checkFiles))
          .plan(inv, observed, new PlanOptions(maxParallel));
      if ("json".equals(output)) {
        ObjectMapper json = Jackson.newObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        out.println(json.writeValueAsString(plan));
      } else {
        out.print(PlanText.render(inv, from, observed, plan));
      }
      return plan.refused() ? 1 : 0;
    } catch (InventoryException e) {
      err.println(e.errors().size() == 1 ? "graft plan: invalid input:"
          : "graft plan: " + e.errors().size() + " problems:");
      for (InventoryError x : e.errors()) {
        err.println("  " + x);
      }
      return 1;
    } catch (Exception e) {
      err.println("graft plan: " + e.getMessage());
      return 1;
    }
  }

  /**
   * {@code graft plan --upgrade} without Dropwizard around it; returns the exit code (0 the plan
   * may run, 1 invalid input, an unreadable cluster or a refused plan).
   */
  static int executeUpgrade(String inventory, String output, String kubeconfig, String to,
      String maxUnavailable, String drainTimeout, boolean checkFiles, HostResolver resolver,
      PrintStream out, PrintStream err) {
    try {
      if (to == null || to.isBlank()) {
        err.println("graft plan: --upgrade needs --to vX.Y.Z, the target version");
        return 1;
      }
      UpgradeRequests.Target target = UpgradeRequests.target(
          new ExpandRequest.Upgrade(to, maxUnavailable, drainTimeout));
      ImportedInventory inv = Inventories.load(Path.of(inventory));
      // The CLI reads the operator's own files: no server roots apply (ServerFiles still bounds
      // the read and refuses what is not a regular file).
      String kubeconfigPath = Path.of(kubeconfig).toAbsolutePath().toString();
      dev.graft.server.security.ServerFiles files = dev.graft.server.security.ServerFiles.anywhere();
      UpgradeRequests.Planned planned = new UpgradeRequests(new ExistingCluster(CLUSTER_TIMEOUT),
          new InventoryValidator(resolver, checkFiles), files).plan(inv, kubeconfigPath,
          files.read("kubeconfig", kubeconfigPath), target);
      if ("json".equals(output)) {
        ObjectMapper json = Jackson.newObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        out.println(json.writeValueAsString(planned.plan()));
      } else {
        out.print(UpgradePlanText.render(planned.inventory(), kubeconfig, planned.plan()));
      }
      return planned.plan().refused() ? 1 : 0;
    } catch (InventoryException e) {
      err.println(e.errors().size() == 1 ? "graft plan: invalid input:"
          : "graft plan: " + e.errors().size() + " problems:");
      for (InventoryError x : e.errors()) {
        err.println("  " + x);
      }
      return 1;
    } catch (ApiProblem e) {
      // The checks are the REST API's; their field names become this command's flags.
      err.println("graft plan: " + e.getMessage().replace("field upgrade.to", "--to")
          .replace("field upgrade.maxUnavailable", "--max-unavailable")
          .replace("field upgrade.drainTimeout", "--drain-timeout")
          .replace("field kubeconfig", "--kubeconfig"));
      return 1;
    } catch (Exception e) {
      err.println("graft plan: " + e.getMessage());
      return 1;
    }
  }

  private static ObservedCluster fromCluster(String kubeconfig, ClusterSpec cluster)
      throws Exception {
    String content = Files.readString(Path.of(kubeconfig));
    EtcdTls tls = new EtcdTls(cluster.etcd().caCert(), cluster.etcd().clientCert(),
        cluster.etcd().clientKey());
    if (cluster.etcdEndpoints().stream().allMatch(e -> e.startsWith("http://"))) {
      tls = EtcdTls.NONE;
    }
    try (KubernetesClient kube = KubeClients.fromKubeconfig(content, CLUSTER_TIMEOUT);
        Client etcd = EtcdMemberReader.client(cluster.etcdEndpoints(), tls, CLUSTER_TIMEOUT)) {
      return new ObservedClusterReader(new KubeNodeReader(kube),
          new EtcdMemberReader(etcd, CLUSTER_TIMEOUT)).read();
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
