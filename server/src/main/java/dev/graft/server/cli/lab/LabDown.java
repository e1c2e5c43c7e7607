package dev.graft.server.cli.lab;

import dev.graft.lab.Lab;
import java.io.PrintStream;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/** {@code graft lab down}: removes the lab's processes, links and state dir; idempotent. */
final class LabDown implements LabAction {
  @Override
  public String name() {
    return "down";
  }

  @Override
  public String help() {
    return "remove every host, link, process and file of the lab (idempotent)";
  }

  @Override
  public void configure(Subparser p) {}

  @Override
  public void run(Namespace ns, PrintStream out) {
    Lab.down(LabCommand.stateDir(ns)).forEach(out::println);
  }
}
