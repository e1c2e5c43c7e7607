package dev.graft.workflows.audit;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * Writes an ended operation's audit trail (the entries {@code GET /operations/{id}/history} shows)
 * to the archive, where it outlives Temporal's retention. Run by the cluster workflow once the
 * operation's workflow has closed; idempotent (a retry rewrites the same file from the same
 * histories). A worker without {@code audit.archiveDir} fails it with {@code
 * FailureTypes.AUDIT_ARCHIVE_NOT_CONFIGURED}, which is not retried.
 */
@ActivityInterface(namePrefix = "AuditArchive")
public interface AuditArchiveActivities {
  @ActivityMethod
  ArchiveResult archive(ArchiveRequest request);
}
