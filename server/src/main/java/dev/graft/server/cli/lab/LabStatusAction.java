package dev.graft.server.cli.lab;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.graft.lab.Lab;
import dev.graft.lab.LabState;
import dev.graft.lab.LabStatus;
import java.io.PrintStream;
import java.util.Optional;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/** {@code graft lab status [-o json]}. */
final class LabStatusAction implements LabAction {
  @Override
  public String name() {
    return "status";
  }

  @Override
  public String help() {
    return "show the lab's hosts, files and endpoints";
  }

  @Override
  public void configure(Subparser p) {
    p.addArgument("-o", "--output").dest("output").choices("text", "json").setDefault("text");
  }

  @Override
  public void run(Namespace ns, PrintStream out) throws Exception {
    Optional<LabState> s = Lab.status(LabCommand.stateDir(ns));
    boolean json = "json".equals(ns.getString("output"));
    if (s.isEmpty()) {
      out.println(json ? "null" : "no lab in " + LabCommand.stateDir(ns));
      return;
    }
    LabStatus status = LabStatus.of(s.get());
    out.print(
        json
            ? new ObjectMapper()
                    .enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(status)
                + "\n"
            : status.text());
  }
}
