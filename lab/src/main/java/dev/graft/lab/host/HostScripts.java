package dev.graft.lab.host;

import dev.graft.lab.LabException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** The shell files every lab host gets (see lab.sh for the contract with the stand-ins). */
public final class HostScripts {
  public static final String LIB = "/usr/local/lib/graft-lab/lab.sh";
  public static final String WRAPPER_TEMPLATE = "/usr/local/lib/graft-lab/fault-wrapper.tmpl";
  public static final String MUTATION_TOOL = "/usr/local/bin/graft-lab-mutation";
  public static final String MUTATION_LOG = "/var/log/graft-lab/mutations.log";

  private HostScripts() {}

  public static String resource(String name) {
    try (InputStream in = HostScripts.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new LabException("missing resource dev/graft/lab/host/" + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new LabException("cannot read resource " + name, e);
    }
  }

  /** Attaches a test pod to a bridge of the host (see pod-attach.sh). */
  public static final String POD_ATTACH = resource("pod-attach.sh");

  /** Runs argv in a pod's network namespace with the real ip, not a recording wrapper. */
  public static final String POD_EXEC =
      ". "
          + LIB
          + "\nip=$(graft_lab_real ip)\npod=$1; shift\nexec \"$ip\" netns exec \"$pod\" \"$@\"\n";

  /** Clears the network state a reboot loses, then plays the boot (see network-reboot.sh). */
  public static final String NETWORK_REBOOT = resource("network-reboot.sh");

  /** Places lab.sh, the fault wrapper template and graft-lab-mutation into a host. */
  public static void install(SeedTree seed) throws IOException {
    seed.writeFile(LIB, resource("lab.sh"), 0644);
    seed.writeFile(WRAPPER_TEMPLATE, resource("fault-wrapper.tmpl"), 0644);
    seed.writeFile(MUTATION_TOOL, resource("graft-lab-mutation"), 0755);
  }

  /**
   * The in-host script behind "make COMMAND fail its next N runs" and "record COMMAND": installs
   * the wrapper at /usr/local/bin/COMMAND unless a script that calls graft_lab_fault_hooks (a
   * stand-in) is already there, then arms the counter or the record flag. Arguments: COMMAND
   * MODE(fail|record) N EXITCODE.
   */
  public static final String ARM =
      String.join(
          "\n",
          "set -eu",
          "c=\"$1\"; mode=\"$2\"; n=\"$3\"; code=\"$4\"; R=\"${GRAFT_LAB_ROOT:-}\"",
          "w=\"$R/usr/local/bin/$c\"",
          "if [ -e \"$w\" ]; then",
          "  grep -q graft_lab_fault_hooks \"$w\" || {",
          "    echo \"$w exists and does not call graft_lab_fault_hooks; cannot arm $c\" >&2; exit 3; }",
          "else",
          "  mkdir -p \"$R/usr/local/bin\"",
          "  sed \"s/@CMD@/$c/g\" \"$R" + WRAPPER_TEMPLATE + "\" >\"$w.tmp\"",
          "  chmod 755 \"$w.tmp\"; mv \"$w.tmp\" \"$w\"",
          "fi",
          "mkdir -p \"$R/run/graft-lab/fail\" \"$R/run/graft-lab/record\" \"$R/run/graft-lab/delay\"",
          "if [ \"$mode\" = fail ]; then echo \"$n $code\" >\"$R/run/graft-lab/fail/$c\";",
          "elif [ \"$mode\" = delay ]; then echo \"$n $code\" >\"$R/run/graft-lab/delay/$c\";",
          "else touch \"$R/run/graft-lab/record/$c\"; fi",
          "");
}
