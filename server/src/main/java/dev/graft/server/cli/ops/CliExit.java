package dev.graft.server.cli.ops;

/**
 * Ends a command with an exit code once its output is printed: 1 failed (or an error), 2 needs an
 * operator (attention or approval). The application turns it into the process's exit status.
 */
public final class CliExit extends Exception {
  private static final long serialVersionUID = 1L;
  private final int code;

  public CliExit(int code) {
    super("exit " + code, null, false, false);
    this.code = code;
  }

  public int code() {
    return code;
  }
}
