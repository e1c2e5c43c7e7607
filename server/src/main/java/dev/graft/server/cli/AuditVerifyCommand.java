package dev.graft.server.cli;

import dev.graft.server.audit.AuditArchive;
import dev.graft.server.cli.ops.CliExit;
import io.dropwizard.core.cli.Command;
import io.dropwizard.core.setup.Bootstrap;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/**
 * {@code graft audit-verify PATH…}: checks archive files (or every archive file of a directory) and
 * prints one line per file: {@code ok} with its entries and last hash, or what broke. Exit code 0
 * when every file is intact, 1 otherwise. Runs where the archive is; needs no server.
 */
public final class AuditVerifyCommand extends Command {
  private final Supplier<PrintStream> out;

  public AuditVerifyCommand(Supplier<PrintStream> out) {
    super("audit-verify", "Check archived audit trails' checksum chains (files or directories).");
    this.out = out;
  }

  @Override
  public void configure(Subparser s) {
    s.addArgument("paths")
        .nargs("+")
        .metavar("PATH")
        .help("archive files (*.audit.jsonl) or directories (audit.archiveDir)");
  }

  @Override
  public void run(Bootstrap<?> bootstrap, Namespace ns) throws Exception {
    PrintStream o = out.get();
    List<Path> files = new ArrayList<>();
    for (String p : ns.<String>getList("paths")) {
      Path path = Path.of(p);
      if (Files.isDirectory(path)) {
        files.addAll(new AuditArchive(path).files());
      } else {
        files.add(path);
      }
    }
    int broken = 0;
    for (Path f : files) {
      AuditArchive.Trail t;
      try {
        t = AuditArchive.verify(f);
      } catch (RuntimeException e) {
        o.println(f + ": unreadable: " + e.getMessage());
        broken++;
        continue;
      }
      if (t.intact()) {
        o.println(
            f
                + ": ok, "
                + t.entries().size()
                + " entries of "
                + t.operationId()
                + ", last hash "
                + t.lastHash());
      } else {
        broken++;
        o.println(f + ": TAMPERED OR DAMAGED (" + t.operationId() + ")");
        t.problems().forEach(p -> o.println("  " + p));
      }
    }
    o.println(files.size() + " file(s), " + broken + " broken");
    o.flush();
    if (broken > 0 || files.isEmpty()) {
      throw new CliExit(1);
    }
  }
}
