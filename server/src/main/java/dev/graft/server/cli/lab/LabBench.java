package dev.graft.server.cli.lab;

import dev.graft.lab.LabBenchmark;
import dev.graft.lab.LabKind;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/** {@code graft lab bench --nodes 30,100}: {@link LabBenchmark} from the CLI. */
final class LabBench implements LabAction {
  @Override
  public String name() {
    return "bench";
  }

  @Override
  public String help() {
    return "measure lab up/down time, memory and disk per host (own temporary labs)";
  }

  @Override
  public void configure(Subparser p) {
    p.addArgument("--nodes").setDefault("30,100").help("comma-separated sizes (default 30,100)");
    p.addArgument("--kind").choices("netns", "inprocess", "auto").setDefault("auto");
  }

  @Override
  public void run(Namespace ns, PrintStream out) throws Exception {
    List<Integer> sizes = new ArrayList<>();
    for (String n : ns.getString("nodes").split(",")) {
      sizes.add(Integer.parseInt(n.strip()));
    }
    LabBenchmark.run(sizes, LabKind.parse(ns.getString("kind")), out);
  }
}
