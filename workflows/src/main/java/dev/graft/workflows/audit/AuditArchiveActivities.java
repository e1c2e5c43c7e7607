package dev.graft.workflows.audit;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * Writes an ended operation's audit trail (the entries {@code GET /operations/{id}/history}
 * shows) to the archive, where it outlives Temporal's retention. Run by the cluster workflow once
 * the operation's workflow has closed; idempotent (a retry rewrites the same file from the same
 * histories).
 */
@ActivityInterface(namePrefix = "AuditArchive")
public interface AuditArchiveActivities {
  /** Type of the failure when the worker has no {@code audit.archiveDir}: not retried. */
  String NOT_CONFIGURED = "AuditArchiveNotConfigured";

  @ActivityMethod
  ArchiveResult archive(ArchiveRequest request);
}
