package dev.graft.server.operations;

import dev.graft.server.audit.AuditArchive;
import dev.graft.workflows.FailureTypes;
import dev.graft.workflows.audit.ArchiveRequest;
import dev.graft.workflows.audit.ArchiveResult;
import dev.graft.workflows.audit.AuditArchiveActivities;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads an ended operation's audit trail from Temporal (the same {@link AuditTrail} the API serves)
 * and writes it to the archive. A worker without {@code audit.archiveDir} fails the activity as not
 * configured (not retried; the cluster workflow logs it).
 */
public final class AuditArchiveActivitiesImpl implements AuditArchiveActivities {
  private static final Logger LOG = LoggerFactory.getLogger(AuditArchiveActivitiesImpl.class);
  private final AuditTrail trail;
  private final AuditArchive archive;

  /**
   * @param archive null when this worker has no archive directory
   */
  public AuditArchiveActivitiesImpl(AuditTrail trail, AuditArchive archive) {
    this.trail = trail;
    this.archive = archive;
  }

  @Override
  public ArchiveResult archive(ArchiveRequest request) {
    if (archive == null) {
      throw ApplicationFailure.newNonRetryableFailure(
          "this worker has no audit.archiveDir: set it on every worker (the same shared directory"
              + " the server reads)",
          FailureTypes.AUDIT_ARCHIVE_NOT_CONFIGURED);
    }
    List<AuditTrail.Entry> entries = trail.of(request.operationId());
    try {
      AuditArchive.Written w =
          archive.write(request.operationId(), entries, System.currentTimeMillis());
      LOG.info(
          "archived the audit trail of {}: {} entries in {}, last hash {}",
          request.operationId(),
          w.entries(),
          w.file(),
          w.lastHash());
      return new ArchiveResult(w.file().getFileName().toString(), w.entries(), w.lastHash());
    } catch (IOException e) {
      // Retryable: a full disk or an unmounted share may come back.
      throw ApplicationFailure.newFailure(
          "cannot write the audit archive of " + request.operationId() + ": " + e,
          FailureTypes.AUDIT_ARCHIVE_WRITE_FAILED);
    }
  }
}
