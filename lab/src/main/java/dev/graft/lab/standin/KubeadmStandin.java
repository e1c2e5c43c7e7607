package dev.graft.lab.standin;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The kubeadm stand-in's entry point, run by /usr/local/bin/kubeadm on lab hosts. It implements the
 * subcommands Graft uses — join, reset, token, init phase upload-certs, certs certificate-key,
 * upgrade plan|apply|node, config images list|pull, version — against the API stand-in, validating
 * arguments and wording errors as kubeadm does (exit 1, "error execution phase ...").
 * GRAFT_LAB_ROOT maps host paths; GRAFT_LAB_KUBEADM_VERSION is the version it claims.
 */
public final class KubeadmStandin {
  private KubeadmStandin() {}

  public static void main(String[] argv) {
    String version = System.getenv().getOrDefault("GRAFT_LAB_KUBEADM_VERSION", "v1.32.0");
    Kubeadm k = new Kubeadm(HostPaths.fromEnvironment(), System.out, System.in, version);
    System.exit(run(k, Arrays.asList(argv), System.err));
  }

  static int run(Kubeadm k, List<String> argv, PrintStream err) {
    try {
      dispatch(k, argv);
      k.out.flush();
      return 0;
    } catch (StandinFailure f) {
      k.out.flush();
      err.println(f.getMessage());
      return f.exitCode();
    } catch (IOException | RuntimeException e) {
      k.out.flush();
      err.println(e.getMessage() == null ? e.toString() : e.getMessage());
      return 1;
    }
  }

  private static void dispatch(Kubeadm k, List<String> argv) throws StandinFailure, IOException {
    String cmd = argv.isEmpty() ? "" : argv.get(0);
    List<String> rest = argv.isEmpty() ? List.of() : argv.subList(1, argv.size());
    switch (cmd) {
      case "join" -> new KubeadmJoin(k).run(rest);
      case "reset" -> new KubeadmReset(k).run(rest);
      case "token" -> new KubeadmTokens(k).run(rest);
      case "upgrade" -> new KubeadmUpgrade(k).run(rest);
      case "config" -> new KubeadmImages(k).run(rest);
      case "version" -> version(k, rest);
      case "certs" -> {
        if (!rest.isEmpty() && rest.get(0).equals("check-expiration")) {
          KubeadmCertsExpiration.run(k, Instant.now());
        } else if (rest.isEmpty() || !rest.get(0).equals("certificate-key")) {
          throw new StandinFailure(
              1,
              "the kubeadm stand-in only implements" + " 'certs certificate-key|check-expiration'");
        } else {
          k.out.println(Pki.randomHex(32));
        }
      }
      case "init" -> {
        if (rest.size() >= 2 && rest.get(0).equals("phase") && rest.get(1).equals("upload-certs")) {
          new KubeadmCerts(k).upload(rest.subList(2, rest.size()));
        } else {
          throw new StandinFailure(
              1,
              "the kubeadm stand-in does not implement 'kubeadm init "
                  + String.join(" ", rest)
                  + "': the lab's bootstrap creates the first control plane");
        }
      }
      case "", "help", "--help", "-h" ->
          k.out.println(
              "kubeadm (Graft lab stand-in): join | reset | token | init phase upload-certs |"
                  + " certs certificate-key|check-expiration | upgrade plan|apply|node | config images list|pull |"
                  + " version");
      default ->
          throw new StandinFailure(
              1,
              "unknown command \"" + cmd + "\" for \"kubeadm\"\nRun 'kubeadm --help' for usage.");
    }
  }

  private static void version(Kubeadm k, List<String> rest) throws StandinFailure {
    Args a = Args.parse(rest, Set.of("output"), Set.of(), Map.of("o", "output"));
    String o = a.get("output", "");
    if (o.equals("short")) {
      k.out.println(k.version);
    } else if (o.isEmpty()) {
      k.out.println(
          "kubeadm version: &version.Info{Major:\"1\", GitVersion:\""
              + k.version
              + "\", GitCommit:\"graft-lab-stand-in\", Platform:\"linux/amd64\"}");
    } else {
      throw new StandinFailure(1, "error: invalid output format: " + o);
    }
  }
}
