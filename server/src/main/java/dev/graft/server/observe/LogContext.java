package dev.graft.server.observe;

import dev.graft.workflows.step.StepContext;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.activity.ActivityInfo;
import io.temporal.api.common.v1.Payload;
import io.temporal.common.converter.GlobalDataConverter;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptor;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptorBase;
import io.temporal.common.interceptors.Header;
import io.temporal.common.interceptors.WorkerInterceptorBase;
import io.temporal.common.interceptors.WorkflowInboundCallsInterceptor;
import io.temporal.common.interceptors.WorkflowInboundCallsInterceptorBase;
import io.temporal.common.interceptors.WorkflowOutboundCallsInterceptor;
import io.temporal.common.interceptors.WorkflowOutboundCallsInterceptorBase;
import io.temporal.workflow.Workflow;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.MDC;

/**
 * Puts the operation a log line belongs to into the logging context (SLF4J's MDC; JSON logs carry
 * it as fields): {@code operation}, {@code cluster}, {@code node}, {@code step}, {@code attempt}.
 *
 * <ul>
 *   <li><b>Activities</b>: set before each execution and removed after it, on the activity's
 *       thread. The operation, cluster and node come from the workflow id ({@code
 *       cluster/<c>/<kind>/<request>[/node/<n>]}); step, node and attempt from headers the workflow
 *       side added ({@link StepContext}: the step id and attempt number the UI shows); without
 *       them, the activity type and Temporal's attempt.
 *   <li><b>Workflows</b>: every workflow thread (the workflow method, signal and update handlers,
 *       {@code Async} children) gets operation, cluster and node for its lifetime; the step engine
 *       adds step and attempt to its own lines. Workflow code logs through {@code
 *       Workflow.getLogger}, which is silent on replay.
 * </ul>
 *
 * <p>Values are ids and names from workflow ids and Graft's step model, never inputs' contents.
 */
public final class LogContext extends WorkerInterceptorBase {
  public static final String OPERATION = "operation";
  public static final String CLUSTER = "cluster";
  public static final String NODE = "node";
  public static final String STEP = "step";
  public static final String ATTEMPT = "attempt";
  static final String HEADER_STEP = "graft-step";
  static final String HEADER_NODE = "graft-node";
  static final String HEADER_ATTEMPT = "graft-attempt";
  private static final String[] KEYS = {OPERATION, CLUSTER, NODE, STEP, ATTEMPT};

  @Override
  public WorkflowInboundCallsInterceptor interceptWorkflow(WorkflowInboundCallsInterceptor next) {
    return new WorkflowInboundCallsInterceptorBase(next) {
      @Override
      public void init(WorkflowOutboundCallsInterceptor outbound) {
        super.init(new Outbound(outbound));
      }

      @Override
      public Object newWorkflowMethodThread(Runnable runnable, String name) {
        return super.newWorkflowMethodThread(inWorkflowContext(runnable), name);
      }

      @Override
      public Object newCallbackThread(Runnable runnable, String name) {
        return super.newCallbackThread(inWorkflowContext(runnable), name);
      }
    };
  }

  @Override
  public ActivityInboundCallsInterceptor interceptActivity(ActivityInboundCallsInterceptor next) {
    return new ActivityInboundCallsInterceptorBase(next) {
      // The SDK hands interceptors the context here; Activity.getExecutionContext() is for
      // activity code only.
      private ActivityInfo info;

      @Override
      public void init(ActivityExecutionContext context) {
        info = context.getInfo();
        super.init(context);
      }

      @Override
      public ActivityOutput execute(ActivityInput input) {
        Map<String, String> fields = fromWorkflowId(info.getWorkflowId());
        Map<String, Payload> headers = input.getHeader().getValues();
        String step = text(headers.get(HEADER_STEP));
        String node = text(headers.get(HEADER_NODE));
        String attempt = text(headers.get(HEADER_ATTEMPT));
        fields.put(STEP, step != null ? step : info.getActivityType());
        fields.put(ATTEMPT, attempt != null ? attempt : String.valueOf(info.getAttempt()));
        if (node != null) {
          fields.put(NODE, node);
        }
        Map<String, String> before = put(fields);
        try {
          return super.execute(input);
        } finally {
          restore(before);
        }
      }
    };
  }

  /**
   * Adds the current step to each activity call's headers (and Async children inherit the context).
   */
  private static final class Outbound extends WorkflowOutboundCallsInterceptorBase {
    Outbound(WorkflowOutboundCallsInterceptor next) {
      super(next);
    }

    @Override
    public <R> ActivityOutput<R> executeActivity(ActivityInput<R> input) {
      StepContext step = StepContext.current();
      if (step != null) {
        Map<String, Payload> values = new LinkedHashMap<>(input.getHeader().getValues());
        values.put(HEADER_STEP, payload(step.stepId()));
        values.put(HEADER_ATTEMPT, payload(String.valueOf(step.attempt())));
        if (step.node() != null) {
          values.put(HEADER_NODE, payload(step.node()));
        }
        input =
            new ActivityInput<>(
                input.getActivityName(),
                input.getResultClass(),
                input.getResultType(),
                input.getArgs(),
                input.getOptions(),
                new Header(values));
      }
      return super.executeActivity(input);
    }

    @Override
    public Object newChildThread(Runnable runnable, boolean detached, String name) {
      return super.newChildThread(inWorkflowContext(runnable), detached, name);
    }
  }

  /** A workflow thread's body with operation, cluster and node in its MDC, removed at its end. */
  private static Runnable inWorkflowContext(Runnable runnable) {
    return () -> {
      Map<String, String> before = put(fromWorkflowId(Workflow.getInfo().getWorkflowId()));
      try {
        runnable.run();
      } finally {
        restore(before);
      }
    };
  }

  /**
   * {@code cluster/<c>} → cluster; {@code cluster/<c>/<kind>/<request>[/…]} → operation too; {@code
   * …/node/<n>} and {@code …/etcd/<n>} → node. Other ids (diagnostics) give nothing.
   */
  static Map<String, String> fromWorkflowId(String id) {
    Map<String, String> out = new LinkedHashMap<>();
    if (id == null || !id.startsWith("cluster/")) {
      return out;
    }
    String[] p = id.split("/");
    if (p.length >= 2) {
      out.put(CLUSTER, p[1]);
    }
    if (p.length >= 4) {
      out.put(OPERATION, p[0] + "/" + p[1] + "/" + p[2] + "/" + p[3]);
    }
    if (p.length >= 6 && ("node".equals(p[p.length - 2]) || "etcd".equals(p[p.length - 2]))) {
      out.put(NODE, p[p.length - 1]);
    }
    return out;
  }

  private static Map<String, String> put(Map<String, String> fields) {
    Map<String, String> before = new LinkedHashMap<>();
    for (String k : KEYS) {
      before.put(k, MDC.get(k));
      String v = fields.get(k);
      if (v != null) {
        MDC.put(k, v);
      }
    }
    return before;
  }

  private static void restore(Map<String, String> before) {
    before.forEach(
        (k, v) -> {
          if (v == null) {
            MDC.remove(k);
          } else {
            MDC.put(k, v);
          }
        });
  }

  private static Payload payload(String value) {
    return GlobalDataConverter.get().toPayload(value).orElseThrow();
  }

  private static String text(Payload p) {
    if (p == null) {
      return null;
    }
    try {
      return GlobalDataConverter.get().fromPayload(p, String.class, String.class);
    } catch (RuntimeException e) {
      return null;
    }
  }
}
