package dev.graft.server.operations;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.type.LogicalType;
import dev.graft.server.api.ApiProblem;
import dev.graft.server.audit.AuditArchive;
import dev.graft.server.inventory.HostResolver;
import dev.graft.server.inventory.ImportedInventory;
import dev.graft.server.inventory.InventoryError;
import dev.graft.server.inventory.InventoryException;
import dev.graft.server.inventory.InventoryFormat;
import dev.graft.server.inventory.InventoryValidator;
import dev.graft.server.planning.PlanningException;
import dev.graft.server.planning.PlanningService;
import dev.graft.server.security.RequestGuard;
import dev.graft.server.security.ServerFiles;
import dev.graft.server.temporal.TemporalConnection;
import dev.graft.workflows.cluster.ClusterWorkflow;
import dev.graft.workflows.expand.ExpansionOptions;
import dev.graft.workflows.expand.OperationRequest;
import dev.graft.workflows.model.ClusterSpec;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.SshSpec;
import dev.graft.workflows.plan.ExpansionPlan;
import dev.graft.workflows.plan.PlanOptions;
import dev.graft.workflows.plan.RemovalPlan;
import dev.graft.workflows.plan.UpgradePlan;
import dev.graft.workflows.step.ExecutionPolicy;
import io.dropwizard.jackson.Jackson;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Turns a {@code POST /api/v1/operations} body into a submitted operation: parse and validate the
 * request (400 naming the field), import and validate the inventory (400 with file, line and field
 * for every problem), read the cluster when a kubeconfig is given, plan (a refused plan is 422 with
 * its refusals), and only then signal-with-start the cluster workflow. Nothing starts unless every
 * check passed.
 */
public final class OperationSubmitter {
  static final Pattern REQUEST_ID = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$");
  static final int MAX_INVENTORY = 4 * 1024 * 1024;
  static final String UPGRADE = "upgrade";
  private static final ObjectMapper JSON = strictMapper();

  /**
   * JSON as docs/operations.md promises it, parsed strictly and once, with limits: one document
   * (nothing after it), no duplicate keys, no coercion of one type into another ({@code 1.5} is not
   * an integer, {@code "22"} not a port, {@code 1} not true), and bounds on nesting, string, name
   * and number length far above any real request and far below what costs memory.
   */
  static ObjectMapper strictMapper() {
    JsonFactory factory =
        JsonFactory.builder()
            .streamReadConstraints(
                StreamReadConstraints.builder()
                    .maxNestingDepth(32)
                    .maxStringLength(MAX_INVENTORY + 1024)
                    .maxNameLength(256)
                    .maxNumberLength(64)
                    .maxDocumentLength(RequestGuard.MAX_BODY)
                    .build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    ObjectMapper m =
        Jackson.newObjectMapper(new ObjectMapper(factory).getFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS);
    for (LogicalType t :
        new LogicalType[] {
          LogicalType.Boolean,
          LogicalType.Integer,
          LogicalType.Float,
          LogicalType.Textual,
          LogicalType.POJO
        }) {
      m.coercionConfigFor(t)
          .setCoercion(
              CoercionInputShape.Integer,
              t == LogicalType.Integer || t == LogicalType.Float
                  ? CoercionAction.TryConvert
                  : CoercionAction.Fail)
          .setCoercion(
              CoercionInputShape.Float,
              t == LogicalType.Float ? CoercionAction.TryConvert : CoercionAction.Fail)
          .setCoercion(
              CoercionInputShape.Boolean,
              t == LogicalType.Boolean ? CoercionAction.TryConvert : CoercionAction.Fail)
          .setCoercion(
              CoercionInputShape.String,
              t == LogicalType.Textual ? CoercionAction.TryConvert : CoercionAction.Fail)
          .setCoercion(
              CoercionInputShape.EmptyString,
              t == LogicalType.Textual ? CoercionAction.TryConvert : CoercionAction.Fail);
    }
    return m;
  }

  private final TemporalConnection temporal;
  private final ExecutionPolicy policy;
  private final ExpansionRequests expansions;
  private final UpgradeRequests upgrades;
  private final RemoveRequests removals;

  /**
   * With the execution policy of the server's config (null: the defaults) and the files a request
   * may make the server read ({@code paths.allowedRoots}).
   */
  public OperationSubmitter(
      TemporalConnection temporal,
      HostResolver resolver,
      boolean checkFiles,
      PlanningService planning,
      ExecutionPolicy policy,
      ServerFiles files) {
    this.temporal = temporal;
    this.policy = policy;
    this.expansions = new ExpansionRequests(planning, resolver, files, checkFiles);
    this.upgrades =
        new UpgradeRequests(planning, new InventoryValidator(resolver, checkFiles), files);
    this.removals =
        new RemoveRequests(
            planning, new InventoryValidator(resolver, checkFiles), files, policy, checkFiles);
  }

  /**
   * What the POST answers: the operation's id, its plan (an expansion's, or an upgrade's), and
   * whether it existed already.
   */
  public record Submitted(
      String id,
      String cluster,
      String requestId,
      boolean existing,
      ExpansionPlan plan,
      UpgradePlan upgrade,
      RemovalPlan removal) {
    public Submitted(
        String id,
        String cluster,
        String requestId,
        boolean existing,
        ExpansionPlan plan,
        UpgradePlan upgrade) {
      this(id, cluster, requestId, existing, plan, upgrade, null);
    }

    public Submitted(
        String id, String cluster, String requestId, boolean existing, ExpansionPlan plan) {
      this(id, cluster, requestId, existing, plan, null);
    }
  }

  public Submitted submit(String body, String requestedBy) {
    ExpandRequest req = parse(body);
    if (RemoveRequests.KIND.equals(req.kind())) {
      return removals.submit(
          req,
          requestedBy,
          this::signalWithStart,
          (cluster, id) ->
              OperationReader.exists(temporal, id) || queued(cluster, id) || archived(id));
    }
    if (req.kind() == null || req.kind().isBlank()) {
      throw ApiProblem.field("kind", "is required: \"expand\", \"upgrade\" or \"remove\"");
    }
    if (!"expand".equals(req.kind()) && !UPGRADE.equals(req.kind())) {
      throw ApiProblem.field(
          "kind",
          "\""
              + req.kind()
              + "\" is not a kind of operation; use \"expand\", \"upgrade\" or \"remove\"");
    }
    if (req.requestId() == null || !REQUEST_ID.matcher(req.requestId()).matches()) {
      throw ApiProblem.field(
          "requestId",
          req.requestId() == null
              ? "is required (the idempotency key)"
              : "must be 1-63 characters of letters, digits, '.', '_' or '-', starting with a letter or digit");
    }
    if (UPGRADE.equals(req.kind())) {
      return submitUpgrade(req, requestedBy);
    }
    if (req.upgrade() != null || req.remove() != null) {
      String f = req.upgrade() != null ? "upgrade" : "remove";
      throw ApiProblem.field(f, "belongs to kind \"" + f + "\", not \"" + req.kind() + "\"");
    }
    ExpansionOptions options = options(req.options(), policy);
    PlanningService.Planned planned;
    try {
      planned =
          expansions.plan(
              req,
              options.maxParallel() == 0 ? PlanOptions.DEFAULT_MAX_PARALLEL : options.maxParallel(),
              true);
    } catch (PlanningException e) {
      throw ApiProblem.planning(e.field(), e.getMessage());
    }
    ExpansionPlan plan = planned.plan();
    ImportedInventory inv = planned.inventory();
    if (plan.refused()) {
      throw ApiProblem.refused("the plan", plan.refusals(), "plan", plan);
    }
    ClusterSpec cluster = inv.cluster();
    String id = OperationRequest.operationId(cluster.name(), req.kind(), req.requestId());
    // An operation Temporal no longer has but the archive does ran already: the requestId is spent.
    if (OperationReader.exists(temporal, id) || queued(cluster.name(), id) || archived(id)) {
      return new Submitted(id, cluster.name(), req.requestId(), true, plan);
    }
    OperationRequest request =
        new OperationRequest(req.kind(), req.requestId(), requestedBy, cluster, plan, options);
    signalWithStart(cluster.name(), request);
    return new Submitted(id, cluster.name(), req.requestId(), false, plan);
  }

  /**
   * An upgrade: the same order as an expansion's (request, inventory, cluster, plan, existing id,
   * signal-with-start); the cluster is always read, since the plan is about its versions.
   */
  private Submitted submitUpgrade(ExpandRequest req, String requestedBy) {
    ExpansionOptions options = upgradeOptions(req.options(), policy);
    UpgradeRequests.Planned planned;
    try {
      planned = upgrades.plan(req);
    } catch (PlanningException e) {
      throw ApiProblem.planning(e.field(), e.getMessage());
    }
    UpgradePlan plan = planned.plan();
    if (plan.refused()) {
      throw ApiProblem.refused("the upgrade", plan.refusals(), "upgrade", plan);
    }
    ClusterSpec cluster = planned.inventory().cluster();
    String id = OperationRequest.operationId(cluster.name(), UPGRADE, req.requestId());
    if (OperationReader.exists(temporal, id) || queued(cluster.name(), id) || archived(id)) {
      return new Submitted(id, cluster.name(), req.requestId(), true, null, plan);
    }
    // Workers at once is the plan's batch size, so the options say what the plan says.
    ExpansionOptions withBatch =
        new ExpansionOptions(
            options.requireApproval(),
            options.approveEachControlPlane(),
            plan.maxUnavailable(),
            false,
            null,
            options.policy());
    signalWithStart(
        cluster.name(),
        new OperationRequest(
            UPGRADE, req.requestId(), requestedBy, cluster, null, withBatch, plan));
    return new Submitted(id, cluster.name(), req.requestId(), false, null, plan);
  }

  static ExpansionOptions upgradeOptions(ExpandRequest.Options o, ExecutionPolicy policy) {
    if (o != null && o.maxParallel() != null) {
      throw ApiProblem.field(
          "options.maxParallel",
          "is for an expansion; an upgrade takes" + " upgrade.maxUnavailable (workers at once)");
    }
    if (o != null && Boolean.TRUE.equals(o.excludeFailedPrechecks())) {
      throw ApiProblem.field(
          "options.excludeFailedPrechecks",
          "is for an expansion: an upgrade" + " starts only when every node's pre-checks pass");
    }
    return options(o, policy);
  }

  /** Where ended operations' trails go (null: nowhere); set once when the application is wired. */
  private AuditArchive archive;

  /** Operations submitted from now on archive their audit trail when they end (when non-null). */
  public OperationSubmitter archivingTo(AuditArchive archive) {
    this.archive = archive;
    return this;
  }

  private boolean archived(String operationId) {
    return archive != null && archive.has(operationId);
  }

  private void signalWithStart(String clusterName, OperationRequest unarchived) {
    OperationRequest request = unarchived.withArchiveAudit(archive != null);
    WorkflowStub stub =
        temporal
            .client()
            .newUntypedWorkflowStub(
                "ClusterWorkflow",
                WorkflowOptions.newBuilder()
                    .setWorkflowId(ClusterWorkflow.workflowId(clusterName))
                    .setTaskQueue(temporal.settings().getTaskQueue())
                    .build());
    // Signal-with-start: starts the cluster's entity workflow if it is not running, and queues the
    // operation either way. The workflow ignores a requestId it has seen, so a race between two
    // identical POSTs still runs one operation.
    stub.signalWithStart("submit", new Object[] {request}, new Object[] {null});
  }

  /** Whether the cluster's entity workflow holds {@code id} in its queue (not started yet). */
  private boolean queued(String cluster, String id) {
    try {
      ClusterWorkflow wf =
          temporal
              .client()
              .newWorkflowStub(ClusterWorkflow.class, ClusterWorkflow.workflowId(cluster));
      return wf.operations().stream().anyMatch(o -> id.equals(o.id()));
    } catch (RuntimeException noClusterWorkflowOrNoWorker) {
      // Not running (nothing queued), or no worker answers the query: the workflow's own dedup by
      // requestId still keeps a second signal from starting anything.
      return false;
    }
  }

  public static ExpandRequest parse(String body) {
    if (body == null || body.isBlank()) {
      throw ApiProblem.of(400, "the request body is empty; send a JSON operation");
    }
    try {
      ExpandRequest r = JSON.readValue(body, ExpandRequest.class);
      if (r == null) {
        throw ApiProblem.of(400, "the request body is null; send a JSON operation");
      }
      return r;
    } catch (UnrecognizedPropertyException e) {
      throw ApiProblem.field(path(e), "is not a known field");
    } catch (MismatchedInputException e) {
      String field = path(e).isEmpty() ? "(body)" : path(e);
      throw ApiProblem.field(
          field,
          e.getTargetType() == null
              ? "is not valid here"
              : "must be " + shape(e.getTargetType()) + where(e));
    } catch (JsonMappingException e) {
      // Jackson's own words name Java types (D15 of the security review): say what was wrong
      // with the field instead.
      throw ApiProblem.field(path(e).isEmpty() ? "(body)" : path(e), "is not valid" + where(e));
    } catch (StreamConstraintsException e) {
      throw ApiProblem.of(
          400,
          "the body is not a JSON operation Graft takes: it nests too deep"
              + " or holds a name, string or number far too long"
              + where(e));
    } catch (JsonProcessingException e) {
      String what = e.getOriginalMessage() == null ? "" : e.getOriginalMessage().split("\n")[0];
      // Jackson quotes the offending input in its messages; keep them short.
      throw ApiProblem.of(400, "the body is not JSON: " + clip(what) + where(e));
    }
  }

  private static String where(JsonProcessingException e) {
    JsonLocation l = e.getLocation();
    return l == null || l.getLineNr() < 0
        ? ""
        : " (line " + l.getLineNr() + ", column " + l.getColumnNr() + ")";
  }

  private static String clip(String s) {
    return s.length() > 200 ? s.substring(0, 200) + "..." : s;
  }

  /** What a field must hold, in JSON's words rather than Java's. */
  private static String shape(Class<?> type) {
    if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
      return "a whole number";
    }
    if (type == Boolean.class || type == boolean.class) {
      return "true or false";
    }
    if (type == String.class) {
      return "a string";
    }
    if (Collection.class.isAssignableFrom(type) || type.isArray()) {
      return "an array";
    }
    return "an object";
  }

  private static String path(JsonMappingException e) {
    StringBuilder sb = new StringBuilder();
    for (JsonMappingException.Reference r : e.getPath()) {
      if (r.getFieldName() != null) {
        sb.append(sb.length() == 0 ? "" : ".").append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        sb.append('[').append(r.getIndex()).append(']');
      }
    }
    return sb.toString();
  }

  static ExpansionOptions options(ExpandRequest.Options o, ExecutionPolicy policy) {
    if (o == null) {
      return new ExpansionOptions(false, false, 0, false, null, policy);
    }
    if (o.maxParallel() != null && (o.maxParallel() < 1 || o.maxParallel() > 500)) {
      throw ApiProblem.field(
          "options.maxParallel", "must lie between 1 and 500, not " + o.maxParallel());
    }
    return new ExpansionOptions(
        Boolean.TRUE.equals(o.requireApproval()),
        Boolean.TRUE.equals(o.approveEachControlPlane()),
        o.maxParallel() == null ? 0 : o.maxParallel(),
        Boolean.TRUE.equals(o.excludeFailedPrechecks()),
        null,
        policy);
  }

  public static ImportedInventory importInventory(ExpandRequest.Inventory in, ServerFiles files) {
    if (in == null) {
      throw ApiProblem.field("inventory", "is required: {text, format} or {path}");
    }
    boolean hasText = in.text() != null && !in.text().isBlank();
    boolean hasPath = in.path() != null && !in.path().isBlank();
    if (hasText == hasPath) {
      throw ApiProblem.field(
          hasText ? "inventory.path" : "inventory.text",
          hasText
              ? "give the inventory as text or as a path, not both"
              : "is required (or inventory.path, a file the server reads)");
    }
    InventoryFormat format = format(in.format());
    if (hasText) {
      String file = in.file() != null && !in.file().isBlank() ? in.file() : defaultName(format);
      return PlanningService.importText(file, in.text(), format);
    }
    String text = files.read("inventory.path", in.path());
    try {
      return PlanningService.importText(in.path(), text, format);
    } catch (InventoryException e) {
      throw withheld(e);
    }
  }

  /**
   * The errors of a file the server read, without their messages: they may quote the file, and
   * whoever named the path must not learn what a file on the server says (an operator token is not
   * a file reader). File, line and field stay, so the operator can look at the file itself.
   */
  static InventoryException withheld(InventoryException e) {
    List<InventoryError> errors =
        e.errors().stream()
            .map(
                x ->
                    new InventoryError(
                        x.file(),
                        x.line(),
                        x.field(),
                        "is not valid (the server does"
                            + " not echo files it reads; run `graft plan -i "
                            + x.file()
                            + "` where the file is"
                            + " to see why)"))
            .toList();
    return new InventoryException(errors);
  }

  private static String defaultName(InventoryFormat f) {
    return f == InventoryFormat.KUBESPRAY_INI ? "inventory.ini" : "inventory.yaml";
  }

  private static InventoryFormat format(String f) {
    if (f == null || f.isBlank()) {
      return null;
    }
    return switch (f.trim().toLowerCase(Locale.ROOT)) {
      case "kubespray-ini", "ini" -> InventoryFormat.KUBESPRAY_INI;
      case "kubespray-yaml" -> InventoryFormat.KUBESPRAY_YAML;
      case "graft-yaml", "graft", "graft-json", "yaml", "json" -> InventoryFormat.GRAFT_YAML;
      case "metalk8s", "metalk8s-nodes" -> InventoryFormat.METALK8S_NODES;
      default ->
          throw ApiProblem.field(
              "inventory.format",
              "\"" + f + "\" is not one of kubespray-ini, kubespray-yaml, graft-yaml, metalk8s");
    };
  }

  /**
   * The request's SSH settings win over the inventory's, on every node (the flags an SRE passes on
   * the command line are meant for this run, whatever the inventory says).
   */
  static ImportedInventory applySsh(
      ImportedInventory inv, ExpandRequest.Ssh ssh, String knownHosts, ServerFiles files) {
    // The worker reads these, not the server; the server looks at them (files non-null) only
    // when operations.checkFiles says the worker shares its machine, and then only under the
    // allowed roots, so that the answer tells nothing about other paths.
    checkPath("knownHosts", knownHosts, files);
    checkPath("ssh.keyFile", ssh == null ? null : ssh.keyFile(), files);
    if (ssh != null && ssh.port() != null && (ssh.port() < 1 || ssh.port() > 65535)) {
      throw ApiProblem.field("ssh.port", ssh.port() + " is not a port number");
    }
    SshSpec override =
        new SshSpec(
            ssh == null ? null : blankToNull(ssh.user()),
            ssh == null ? null : ssh.port(),
            ssh == null ? null : blankToNull(ssh.keyFile()),
            null,
            null,
            blankToNull(knownHosts));
    if (override.isEmpty()) {
      return inv;
    }
    ClusterSpec c = inv.cluster();
    List<NodeSpec> nodes =
        c.nodes().stream()
            .map(
                n ->
                    new NodeSpec(
                        n.name(),
                        n.address(),
                        n.ip(),
                        n.roles(),
                        override.over(n.ssh()),
                        n.labels(),
                        n.taints(),
                        n.podCidr()))
            .toList();
    ClusterSpec out =
        new ClusterSpec(
            c.name(),
            c.apiEndpoint(),
            c.kubeconfig(),
            c.kubernetesVersion(),
            c.podNetwork(),
            c.serviceCidr(),
            c.etcd(),
            override.over(c.ssh()),
            nodes,
            c.overrides());
    return new ImportedInventory(inv.file(), inv.format(), out, inv.positions(), inv.notes());
  }

  private static void checkPath(String field, String path, ServerFiles files) {
    if (path == null || path.isBlank()) {
      return;
    }
    if (!path.startsWith("/")) {
      throw ApiProblem.field(field, "\"" + path + "\" must be an absolute path on the server");
    }
    if (files != null && files.allows(path)) {
      files.check(field, path);
    }
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
