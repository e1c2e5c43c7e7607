package dev.graft.server.audit;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.file.Path;

/**
 * {@code audit.archiveDir}: where ended operations' audit trails are archived (empty: no archive).
 * Workers write it, the server reads it: in production a directory both share (compose mounts one
 * volume into both); {@code graft dev} runs both in one process.
 */
public class AuditSettings {
  @JsonProperty private String archiveDir = "";

  public String getArchiveDir() {
    return archiveDir;
  }

  public void setArchiveDir(String archiveDir) {
    this.archiveDir = archiveDir;
  }

  /** The archive, or null when none is configured. */
  public AuditArchive archive() {
    return archiveDir == null || archiveDir.isBlank()
        ? null
        : new AuditArchive(Path.of(archiveDir.trim()));
  }
}
