package dev.graft.workflows.audit;

/**
 * Where the trail went: the archive file's name, the number of trail entries, and the last hash of
 * its checksum chain (kept in the cluster workflow's history too, as a second witness).
 */
public record ArchiveResult(String file, int entries, String lastHash) {}
