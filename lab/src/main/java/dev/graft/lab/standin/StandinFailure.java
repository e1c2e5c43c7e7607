package dev.graft.lab.standin;

/** A stand-in command's failure: the message it prints on stderr and its exit code. */
public final class StandinFailure extends Exception {
  private final int exitCode;

  public StandinFailure(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  public int exitCode() {
    return exitCode;
  }

  /** kubeadm's wording for an error inside a workflow phase. */
  static StandinFailure phase(String phase, String message) {
    return new StandinFailure(
        1,
        "error execution phase "
            + phase
            + ": "
            + message
            + "\nTo see the stack trace of this error execute with --v=5 or higher");
  }
}
