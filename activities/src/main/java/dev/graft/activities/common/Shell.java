package dev.graft.activities.common;

import java.util.List;
import java.util.Objects;

/**
 * Builds POSIX shell command strings that are safe by construction: every argument is
 * single-quoted, so nothing in it (spaces, {@code ;}, {@code $()}, backquotes, globs, newlines) is
 * interpreted by the remote shell.
 *
 * <p>Quoting every argument, even plain words, is deliberate: a first word like {@code FOO=bar}
 * would otherwise be an assignment, and a word list that is "usually safe" invites the one value
 * that is not. Values are still validated with {@link ShellValues} before they get here, because
 * quoting protects the shell, not the command that receives the argument (an option-looking {@code
 * -rf} is still an option to {@code rm}).
 *
 * <p>The rules are POSIX {@code sh}: they hold for dash, bash, ash, busybox sh, ksh and zsh. A
 * remote login shell of csh or fish would not parse them; Graft requires a POSIX login shell on
 * managed hosts.
 */
public final class Shell {
  private Shell() {}

  /**
   * Quotes one argument: wraps it in single quotes and turns each embedded {@code '} into {@code
   * '\''} (close the quote, an escaped quote, reopen). NUL cannot be passed to a process argument
   * at all and is rejected.
   */
  public static String quote(String argument) {
    Objects.requireNonNull(argument, "argument");
    if (argument.indexOf('\0') >= 0) {
      throw new InvalidValueException(
          "shell argument", argument, "contains a NUL byte, which no command can receive");
    }
    StringBuilder out = new StringBuilder(argument.length() + 2).append('\'');
    for (int i = 0; i < argument.length(); i++) {
      char c = argument.charAt(i);
      if (c == '\'') {
        out.append("'\\''");
      } else {
        out.append(c);
      }
    }
    return out.append('\'').toString();
  }

  /**
   * Joins argv into one command line in which every word is quoted: {@code command("rm", "-f", p)}.
   */
  public static String command(String... argv) {
    return command(List.of(argv));
  }

  /** Same as {@link #command(String...)} for a list. */
  public static String command(List<String> argv) {
    if (argv.isEmpty()) {
      throw new IllegalArgumentException("a command needs at least one word");
    }
    StringBuilder out = new StringBuilder();
    for (String word : argv) {
      if (out.length() > 0) {
        out.append(' ');
      }
      out.append(quote(word));
    }
    return out.toString();
  }

  /**
   * Chains already-built commands with {@code &&}, so the script stops at the first failure. The
   * parts must come from {@link #command} (or other code in this class); raw strings from input
   * must never be passed here.
   */
  public static String and(String... commands) {
    if (commands.length == 0) {
      throw new IllegalArgumentException("nothing to chain");
    }
    return String.join(" && ", commands);
  }

  /**
   * Runs a whole script as root without prompting: {@code sudo -n -- sh -c '<script>'}. The script
   * is quoted as one argument, so its own quoting survives unchanged; {@code -n} makes a missing
   * sudo rule fail at once instead of waiting for a password that nobody will type.
   */
  public static String sudo(String script) {
    return "sudo -n -- sh -c " + quote(script);
  }

  /**
   * Runs the script with {@code /bin/sh} under a remote deadline: {@code timeout -k 2 <seconds>}
   * sends SIGTERM to the script's whole process group when the deadline passes, SIGKILL two seconds
   * later. This is what stops a remote command whose SSH client gave up or died: closing an SSH
   * channel does not stop a command without a terminal, and OpenSSH refuses "signal" requests for
   * root logins. Hosts without {@code timeout} (coreutils, busybox) still run the script, without
   * the remote deadline.
   */
  public static String withDeadline(String script, long seconds) {
    if (seconds < 1) {
      throw new IllegalArgumentException("deadline must be at least one second");
    }
    String quoted = quote(script);
    return "if command -v timeout >/dev/null 2>&1; then exec timeout -k 2 "
        + seconds
        + " sh -c "
        + quoted
        + "; else exec sh -c "
        + quoted
        + "; fi";
  }
}
