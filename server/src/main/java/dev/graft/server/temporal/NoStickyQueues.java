package dev.graft.server.temporal;

import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.temporal.api.workflowservice.v1.RespondWorkflowTaskCompletedRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;

/**
 * Keeps the embedded Temporal from pinning workflows to one worker's sticky task queue.
 *
 * <p>A worker that completes a workflow task asks the server to send that workflow's next tasks
 * (and queries) to its own sticky queue. A real Temporal gives up on a sticky queue nobody polls
 * after a few seconds and falls back to the normal queue; the SDK's test server, which is the
 * embedded Temporal, has no such timeout. A workflow whose worker was killed would then wait for
 * that dead worker forever: no other worker could resume it. This interceptor drops the sticky
 * attributes from every workflow-task completion, so every task goes through the normal queue and
 * any live worker can take it (at the cost of a history replay per task, which is small at the
 * scale the embedded server is for).
 */
final class NoStickyQueues implements ServerInterceptor {
  private static final String COMPLETE =
      WorkflowServiceGrpc.getRespondWorkflowTaskCompletedMethod().getFullMethodName();

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
    ServerCall.Listener<Q> listener = next.startCall(call, headers);
    if (!COMPLETE.equals(call.getMethodDescriptor().getFullMethodName())) {
      return listener;
    }
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
      @Override
      @SuppressWarnings("unchecked")
      public void onMessage(Q message) {
        if (message instanceof RespondWorkflowTaskCompletedRequest r && r.hasStickyAttributes()) {
          message = (Q) r.toBuilder().clearStickyAttributes().build();
        }
        super.onMessage(message);
      }
    };
  }
}
