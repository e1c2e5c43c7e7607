package dev.graft.lab;

/** The outcome of a command run inside a lab host. {@code timedOut} implies a killed command. */
public record ExecResult(int exitCode, String stdout, String stderr, boolean timedOut) {
  public boolean ok() {
    return exitCode == 0 && !timedOut;
  }

  /** Returns stdout, or throws naming the command's exit code and stderr. */
  public String orThrow(String what) {
    if (!ok()) {
      throw new LabException(
          what
              + (timedOut ? " timed out" : " failed with exit code " + exitCode)
              + (stderr.isBlank() ? "" : ": " + stderr.strip()));
    }
    return stdout;
  }
}
