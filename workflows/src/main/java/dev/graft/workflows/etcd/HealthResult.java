package dev.graft.workflows.etcd;

import dev.graft.workflows.step.StepResult;
import java.util.List;

/** Every member a healthy voter and every endpoint healthy; their client URLs, sorted. */
public record HealthResult(
    boolean alreadySatisfied,
    String summary,
    List<String> clientUrls,
    String outputTail,
    int attempt)
    implements StepResult {}
