package dev.graft.server.cli.lab;

import java.io.PrintStream;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/** One `graft lab <action>`. */
interface LabAction {
  String name();

  String help();

  void configure(Subparser p);

  void run(Namespace ns, PrintStream out) throws Exception;
}
