package dev.graft.server;

import dev.graft.server.audit.AuditArchive;
import dev.graft.server.auth.BearerAuthFilter;
import dev.graft.server.auth.CloseAfterRejection;
import dev.graft.server.auth.TokenAuthenticator;
import dev.graft.server.cli.AuditVerifyCommand;
import dev.graft.server.cli.ConfigSourceProvider;
import dev.graft.server.cli.DevCommand;
import dev.graft.server.cli.GraftServerCommand;
import dev.graft.server.cli.OptionalLab;
import dev.graft.server.cli.PlanCommand;
import dev.graft.server.cli.TokenCommand;
import dev.graft.server.cli.ops.CliExit;
import dev.graft.server.cli.ops.DecideCommand;
import dev.graft.server.cli.ops.ExpandCommand;
import dev.graft.server.cli.ops.HistoryCommand;
import dev.graft.server.cli.ops.RemoveCommand;
import dev.graft.server.cli.ops.ReplaceCommand;
import dev.graft.server.cli.ops.StatusCommand;
import dev.graft.server.cli.ops.UpgradeCommand;
import dev.graft.server.health.TemporalHealthCheck;
import dev.graft.server.health.WorkerHealthCheck;
import dev.graft.server.inventory.DnsHostResolver;
import dev.graft.server.observe.OperationMetrics;
import dev.graft.server.observe.PrometheusServlet;
import dev.graft.server.observe.Telemetry;
import dev.graft.server.operations.AuditTrail;
import dev.graft.server.operations.OperationReader;
import dev.graft.server.operations.OperationSubmitter;
import dev.graft.server.operations.OperatorDecisions;
import dev.graft.server.planning.PlanningService;
import dev.graft.server.resources.DiagnosticsResource;
import dev.graft.server.resources.InfoResource;
import dev.graft.server.resources.OperationsResource;
import dev.graft.server.resources.PlanResource;
import dev.graft.server.resources.WhoAmIResource;
import dev.graft.server.security.AllowedHosts;
import dev.graft.server.security.BrowserHeaders;
import dev.graft.server.security.RequestGuard;
import dev.graft.server.security.ServerFiles;
import dev.graft.server.temporal.EmbeddedTemporal;
import dev.graft.server.temporal.TemporalConnection;
import dev.graft.server.worker.GraftWorker;
import io.dropwizard.core.Application;
import io.dropwizard.core.cli.CheckCommand;
import io.dropwizard.core.cli.Cli;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.servlets.assets.AssetServlet;
import io.dropwizard.util.JarLocation;
import jakarta.servlet.DispatcherType;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.Locale;
import java.util.function.Supplier;
import org.glassfish.jersey.server.filter.RolesAllowedDynamicFeature;

/**
 * Graft's Dropwizard application. {@link #initialize} sets the configuration source and the
 * commands; {@link #run} registers the managed Temporal clients, the worker, health checks,
 * resources and the UI assets, according to the {@link Mode} the command chose.
 */
public class GraftApplication extends Application<GraftConfiguration> {
  /** Jersey serves the REST API under this prefix; everything else is the web UI. */
  public static final String API_PATTERN = "/api/*";

  /** Where the API commands print; {@link #cli} sets them for tests. */
  private PrintStream stdout = System.out;

  private PrintStream stderr = System.err;

  public static void main(String[] args) throws Exception {
    if (OptionalLab.askedForButAbsent(args)) {
      // The production image has no lab: say why instead of argparse's "invalid choice".
      System.err.println(OptionalLab.ABSENT);
      System.exit(1);
    }
    new GraftApplication().run(args);
  }

  /** A command's {@link CliExit} carries its exit code (2: an operator must act); others exit 1. */
  @Override
  protected void onFatalError(Throwable t) {
    System.exit(t instanceof CliExit exit ? exit.code() : 1);
  }

  @Override
  public String getName() {
    return "graft";
  }

  /**
   * The CLI exactly as {@link #main} builds it, with its output streams chosen by the caller (tests
   * run commands through it in-process).
   */
  public Cli cli(PrintStream out, PrintStream err) {
    this.stdout = out;
    this.stderr = err;
    Bootstrap<GraftConfiguration> bootstrap = new Bootstrap<>(this);
    addDefaultCommands(bootstrap);
    initialize(bootstrap);
    return new Cli(new JarLocation(getClass()), bootstrap, out, err);
  }

  @Override
  protected void addDefaultCommands(Bootstrap<GraftConfiguration> bootstrap) {
    bootstrap.addCommand(GraftServerCommand.server(this));
    bootstrap.addCommand(new CheckCommand<>(this));
  }

  @Override
  public void initialize(Bootstrap<GraftConfiguration> bootstrap) {
    bootstrap.setConfigurationSourceProvider(new ConfigSourceProvider());
    bootstrap.addCommand(GraftServerCommand.worker(this));
    bootstrap.addCommand(new DevCommand(this));
    bootstrap.addCommand(new TokenCommand());
    bootstrap.addCommand(new PlanCommand());
    OptionalLab.command().ifPresent(bootstrap::addCommand); // absent from the production image
    bootstrap.addCommand(new AuditVerifyCommand(() -> stdout));
    addApiCommands(bootstrap);
  }

  private void addApiCommands(Bootstrap<GraftConfiguration> bootstrap) {
    Supplier<PrintStream> out = () -> stdout;
    Supplier<PrintStream> err = () -> stderr;
    bootstrap.addCommand(new ExpandCommand(out, err));
    bootstrap.addCommand(new UpgradeCommand(out, err));
    bootstrap.addCommand(new RemoveCommand(out, err));
    bootstrap.addCommand(new ReplaceCommand(out, err));
    bootstrap.addCommand(new StatusCommand(out, err));
    bootstrap.addCommand(new HistoryCommand(out, err));
    bootstrap.addCommand(
        new DecideCommand("approve", "Open an approval gate of an operation.", out, err));
    bootstrap.addCommand(
        new DecideCommand("retry", "Run a step that needs attention again.", out, err));
    bootstrap.addCommand(
        new DecideCommand("skip", "Leave a skippable step undone and go on.", out, err));
    bootstrap.addCommand(
        new DecideCommand(
            "abort",
            "Stop an operation (or one node's part) and undo what can be undone.",
            out,
            err));
  }

  @Override
  public void run(GraftConfiguration config, Environment env) {
    Mode mode = config.getMode();
    if (mode == Mode.DEV) {
      EmbeddedTemporal temporal =
          new EmbeddedTemporal(
              config.getDev().getTemporalBindHost(),
              config.getDev().getTemporalPort(),
              config.getTemporal());
      // Registered first, so it starts before the clients and stops after them.
      env.lifecycle().manage(temporal);
    }

    // Metrics: registered before the Temporal connection, so they stop after it (its last flush).
    Telemetry telemetry = new Telemetry();
    env.lifecycle().manage(telemetry);
    Telemetry.bridge(env.metrics(), telemetry);
    env.admin()
        .addServlet("prometheus", new PrometheusServlet(telemetry))
        .addMapping("/prometheus");

    String identity = identity(mode);
    TemporalConnection temporal =
        new TemporalConnection(config.getTemporal(), identity, telemetry.temporalScope(identity));
    env.lifecycle().manage(temporal);
    env.healthChecks().register("temporal", new TemporalHealthCheck(temporal));
    AuditArchive archive = config.getAudit().archive();

    if (mode.runsWorker()) {
      GraftWorker worker =
          new GraftWorker(temporal, telemetry.registry(), archive, registrations());
      env.lifecycle().manage(worker);
      env.healthChecks()
          .register("worker", new WorkerHealthCheck(worker, config.getTemporal().getTaskQueue()));
    }

    env.jersey().setUrlPattern(API_PATTERN);
    if (mode.servesApi()) {
      guard(config, env);
      ServerFiles files = ServerFiles.of(config.getPaths(), config.getConfigDir());
      env.jersey()
          .register(
              new BearerAuthFilter(
                  new TokenAuthenticator(config.getAuth().getTokens()),
                  config.getAuth().getAnonymousRole()));
      env.jersey().register(RolesAllowedDynamicFeature.class);
      env.jersey().register(new CloseAfterRejection());
      env.jersey().register(new InfoResource(config));
      env.jersey().register(new WhoAmIResource());
      env.jersey().register(new DiagnosticsResource(temporal));
      env.jersey()
          .register(
              new PlanResource(
                  new DnsHostResolver(config.getOperations().getPlanDnsTimeout()), files));
      env.jersey().register(operations(config, temporal, files, archive));
      env.lifecycle()
          .manage(
              new OperationMetrics(
                  new OperationReader(temporal),
                  telemetry.registry(),
                  config.getOperationMetricsInterval().toJavaDuration()));
      env.servlets()
          .addServlet("ui", new AssetServlet("/assets/", "/", "index.html", StandardCharsets.UTF_8))
          .addMapping("/*");
    }
  }

  /**
   * Browser headers on every response, then the request guard (Host, Origin, Content-Type, body
   * bound) in front of the API and the UI alike, in dev as in production: see {@link RequestGuard}
   * and docs/security.md.
   */
  private static void guard(GraftConfiguration config, Environment env) {
    AllowedHosts hosts =
        AllowedHosts.of(config.applicationBindHosts(), config.getHttp().getAllowedHosts());
    env.servlets()
        .addFilter("graft-browser-headers", new BrowserHeaders())
        .addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), true, "/*");
    env.servlets()
        .addFilter("graft-request-guard", new RequestGuard(hosts))
        .addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), true, "/*");
  }

  /**
   * The workflows and activities this application's worker runs: Graft's own. Tests that run the
   * real workflows on fakes override it (and get the same worker wiring: interceptors, metrics, the
   * audit archive).
   */
  protected GraftWorker.Registrations registrations() {
    return GraftWorker.GRAFT;
  }

  private static OperationsResource operations(
      GraftConfiguration config,
      TemporalConnection temporal,
      ServerFiles files,
      AuditArchive archive) {
    OperationReader reader = new OperationReader(temporal);
    return new OperationsResource(
        new OperationSubmitter(
                temporal,
                new DnsHostResolver(config.getOperations().getPlanDnsTimeout()),
                config.getOperations().isCheckFiles(),
                PlanningService.within(files),
                config.getOperations().policy(),
                files)
            .archivingTo(archive),
        reader,
        new AuditTrail(temporal, archive),
        new OperatorDecisions(reader));
  }

  /** Worker and client identity as Temporal records it in history: mode@pid@host. */
  private static String identity(Mode mode) {
    return mode.name().toLowerCase(Locale.ROOT)
        + "@"
        + ManagementFactory.getRuntimeMXBean().getName();
  }
}
