package dev.graft.activities.ssh;

import java.time.Duration;
import java.util.Objects;

/**
 * One remote command. The script must be built with {@code Shell} (every variable part validated
 * and quoted). The timeout is mandatory: a command without one can hang a worker slot forever.
 *
 * @param script POSIX shell text, run by the login shell (wrapped in {@code sudo -n -- sh -c} for
 *     sudo targets)
 * @param timeout deadline for the whole command, including waiting for a free channel
 * @param stdin bytes fed to the command's standard input, or null for none (it reads EOF at once)
 * @param tailBytes how many trailing bytes of stdout and of stderr to keep (totals are always
 *     counted)
 * @param listener receives output lines as they arrive, or null
 * @param label short text for errors and logs; the script itself is never logged since it may carry
 *     a token
 */
public record RemoteCommand(
    String script,
    Duration timeout,
    byte[] stdin,
    int tailBytes,
    OutputListener listener,
    String label) {
  public static final int DEFAULT_TAIL_BYTES = 64 * 1024;

  public RemoteCommand {
    Objects.requireNonNull(script, "script");
    Objects.requireNonNull(timeout, "timeout (every remote command needs one)");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("command timeout must be positive");
    }
    if (tailBytes < 0) {
      throw new IllegalArgumentException("tailBytes must not be negative");
    }
    if (label == null || label.isBlank()) {
      label = defaultLabel(script);
    }
  }

  public static RemoteCommand of(String script, Duration timeout) {
    return new RemoteCommand(script, timeout, null, DEFAULT_TAIL_BYTES, null, null);
  }

  public RemoteCommand withStdin(byte[] data) {
    return new RemoteCommand(script, timeout, data, tailBytes, listener, label);
  }

  public RemoteCommand withTailBytes(int bytes) {
    return new RemoteCommand(script, timeout, stdin, bytes, listener, label);
  }

  public RemoteCommand withListener(OutputListener newListener) {
    return new RemoteCommand(script, timeout, stdin, tailBytes, newListener, label);
  }

  public RemoteCommand withLabel(String newLabel) {
    return new RemoteCommand(script, timeout, stdin, tailBytes, listener, newLabel);
  }

  /**
   * The first word of the script (a program name), which carries no arguments and so no secrets.
   */
  private static String defaultLabel(String script) {
    String first = script.strip().split("\\s+", 2)[0].replace("'", "");
    return first.length() > 40 ? first.substring(0, 40) : first;
  }

  @Override
  public String toString() {
    return "RemoteCommand[" + label + ", timeout=" + timeout + "]";
  }
}
