package dev.graft.lab.standin;

import java.io.IOException;

/** The outcome of a command run in a host: exit code and captured output. */
public record ExecResult(int exitCode, String stdout, String stderr) {

  public boolean ok() {
    return exitCode == 0;
  }

  /** Throws with the command's output when it did not exit 0. */
  public ExecResult requireSuccess(String what) throws IOException {
    if (exitCode != 0) {
      throw new IOException(
          what
              + " failed with exit code "
              + exitCode
              + ": "
              + stderr.strip()
              + (stdout.isBlank() ? "" : " (stdout: " + stdout.strip() + ")"));
    }
    return this;
  }
}
