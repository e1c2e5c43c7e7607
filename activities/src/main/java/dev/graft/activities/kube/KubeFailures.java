package dev.graft.activities.kube;

import dev.graft.workflows.FailureTypes;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.temporal.failure.ApplicationFailure;

/** Kubernetes API failures as typed Temporal failures: auth problems stop, the rest retry. */
public final class KubeFailures {
  private KubeFailures() {}

  public static ApplicationFailure toApplicationFailure(String what, KubernetesClientException e) {
    int code = e.getCode();
    String message = what + " failed: " + (code > 0 ? "HTTP " + code + " " : "") + e.getMessage();
    if (code == 401 || code == 403) {
      return ApplicationFailure.newNonRetryableFailureWithCause(
          message + "; the kubeconfig's credentials are not allowed to do this",
          FailureTypes.KUBE_FORBIDDEN,
          e);
    }
    if (code == 422 || code == 400) {
      return ApplicationFailure.newNonRetryableFailureWithCause(
          message, FailureTypes.INVALID_INPUT, e);
    }
    return ApplicationFailure.newFailureWithCause(message, FailureTypes.KUBE_API_ERROR, e);
  }
}
