package dev.graft.lab;

import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * One line of a host's mutation log ({@code /var/log/graft-lab/mutations.log}): a mutating command
 * a stand-in or fault wrapper recorded. {@code args} is the shell-quoted argument string as
 * recorded.
 */
public record Mutation(Instant time, String command, String args) {
  /** Parses {@code <ISO time>\t<command>\t<args>}; returns null for a malformed line. */
  public static Mutation parse(String line) {
    String[] f = line.split("\t", 3);
    if (f.length < 2) {
      return null;
    }
    Instant t;
    try {
      t = Instant.parse(f[0]);
    } catch (DateTimeParseException e) {
      return null;
    }
    return new Mutation(t, f[1], f.length > 2 ? f[2] : "");
  }
}
