package dev.graft.lab.standin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Command-line flags as cobra (kubeadm) and pflag (kubelet) parse them: "--name value",
 * "--name=value", boolean flags without a value, "-f" and "-y" short forms; an unknown flag is an
 * error worded as cobra words it.
 */
final class Args {
  final List<String> positional = new ArrayList<>();
  final Map<String, String> flags = new LinkedHashMap<>();

  static Args parse(
      List<String> argv,
      Set<String> valueFlags,
      Set<String> boolFlags,
      Map<String, String> shortFlags)
      throws StandinFailure {
    Args a = new Args();
    for (int i = 0; i < argv.size(); i++) {
      String arg = argv.get(i);
      if (arg.startsWith("--")) {
        String name = arg.substring(2);
        String value = null;
        int eq = name.indexOf('=');
        if (eq >= 0) {
          value = name.substring(eq + 1);
          name = name.substring(0, eq);
        }
        if (boolFlags.contains(name)) {
          a.flags.put(name, value == null ? "true" : value);
        } else if (valueFlags.contains(name)) {
          if (value == null) {
            if (i + 1 >= argv.size()) {
              throw new StandinFailure(1, "flag needs an argument: --" + name);
            }
            value = argv.get(++i);
          }
          a.flags.put(name, value);
        } else {
          throw new StandinFailure(1, "unknown flag: --" + name);
        }
      } else if (arg.startsWith("-") && arg.length() > 1) {
        String longName = shortFlags.get(arg.substring(1));
        if (longName == null) {
          throw new StandinFailure(
              1, "unknown shorthand flag: '" + arg.substring(1) + "' in " + arg);
        }
        if (boolFlags.contains(longName)) {
          a.flags.put(longName, "true");
        } else {
          if (i + 1 >= argv.size()) {
            throw new StandinFailure(
                1, "flag needs an argument: '" + arg.substring(1) + "' in " + arg);
          }
          a.flags.put(longName, argv.get(++i));
        }
      } else {
        a.positional.add(arg);
      }
    }
    return a;
  }

  String get(String name) {
    return flags.get(name);
  }

  String get(String name, String fallback) {
    return flags.getOrDefault(name, fallback);
  }

  boolean bool(String name) {
    return "true".equalsIgnoreCase(flags.get(name));
  }
}
