package dev.graft.activities.ssh;

/** Which remote stream a line came from. */
public enum OutputKind {
  STDOUT,
  STDERR
}
