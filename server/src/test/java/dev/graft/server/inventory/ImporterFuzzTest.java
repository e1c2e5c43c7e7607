package dev.graft.server.inventory;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.fail;

import dev.graft.workflows.plan.AssumedState;
import dev.graft.workflows.plan.PlanOptions;
import dev.graft.workflows.plan.Planner;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Random and mutated inventories for every importer. The contract: each input either imports (and
 * then validates and plans without throwing anything but InventoryException), or fails with an
 * InventoryException whose every error has a line (1-based) or is explicitly whole-file (0), never
 * past the end of the file. Nothing else is thrown and nothing hangs. Seeded, so a failure is
 * reproducible: the message shows the case number and the input.
 */
class ImporterFuzzTest {
  static final int CASES = 2000;
  static final long SEED = 0x6a1f7L;
  private static final String SPECIAL = "[]{}:=#;'\"\\,-&*!|>%@`~\t\n ";

  static Stream<Arguments> importers() throws IOException {
    List<String> ini =
        List.of(
            Seeds.resource("002-kubespray-final.ini"),
            Seeds.resource("002-kubespray-step1-worker.ini"),
            Seeds.resource("002-kubespray-step2-control-plane.ini"),
            Files.readString(Seeds.example("inventory.ini")));
    List<String> metal =
        List.of(
            Seeds.resource("000-metalk8s-nodes.yaml"),
            Seeds.resource("000-metalk8s-template.yaml"),
            Seeds.resource("001-metalk8s-damaged.yaml"),
            Files.readString(Seeds.example("metalk8s-nodes.yaml")));
    List<String> graft = List.of(Files.readString(Seeds.example("graft.yaml")));
    List<String> kyaml = List.of(Files.readString(Seeds.example("hosts.yaml")));
    return Stream.of(
        Arguments.of(InventoryFormat.KUBESPRAY_INI, "inventory.ini", ini),
        Arguments.of(InventoryFormat.KUBESPRAY_YAML, "hosts.yaml", kyaml),
        Arguments.of(InventoryFormat.METALK8S_NODES, "nodes.yaml", metal),
        Arguments.of(InventoryFormat.GRAFT_YAML, "cluster.yaml", graft),
        Arguments.of(null, "detected", concat(ini, metal, graft, kyaml)));
  }

  @ParameterizedTest(name = "{0}: {1} random and mutated inputs import or fail with a position")
  @MethodSource("importers")
  void everyInputImportsOrFailsWithAPositionedError(
      InventoryFormat format, String file, List<String> seeds) {
    Random random = new Random(SEED ^ file.hashCode());
    InventoryValidator validator = new InventoryValidator(hosts -> java.util.Set.of(), false);
    int imported = 0;
    for (int i = 0; i < CASES; i++) {
      String input =
          i % 10 == 9
              ? randomText(random)
              : mutate(seeds.get(random.nextInt(seeds.size())), random);
      int caseNo = i;
      boolean ok =
          assertTimeoutPreemptively(
              Duration.ofSeconds(5),
              () -> {
                try {
                  ImportedInventory inv = Inventories.importUnguarded(file, input, format);
                  try {
                    validator.validate(inv);
                    Planner.plan(
                        inv.cluster(),
                        AssumedState.bootstrapOnly(inv.cluster()),
                        PlanOptions.DEFAULTS);
                  } catch (InventoryException e) {
                    checkPositions(e, input, caseNo);
                  }
                  return true;
                } catch (InventoryException e) {
                  checkPositions(e, input, caseNo);
                  return false;
                } catch (Throwable t) {
                  throw new AssertionError(
                      "case " + caseNo + " threw " + t + " for input:\n" + input, t);
                }
              },
              () -> "case " + caseNo + " hung on input:\n" + input);
      imported += ok ? 1 : 0;
    }
    // Guards the generator itself: mutations that broke every input would test only one path.
    if (imported == 0 || imported == CASES) {
      fail("the generator is degenerate: " + imported + " of " + CASES + " imported");
    }
    System.out.printf(
        "fuzz %s: %d of %d inputs imported, the rest failed with positions%n",
        file, imported, CASES);
  }

  private static void checkPositions(InventoryException e, String input, int caseNo) {
    long lines = input.split("\r\n|\r|\n", -1).length;
    for (InventoryError err : e.errors()) {
      if (err.line() < 0
          || err.line() > lines + 1
          || err.message() == null
          || err.message().isBlank()) {
        fail(
            "case "
                + caseNo
                + ": badly positioned error "
                + err
                + " ("
                + lines
                + " lines) for input:\n"
                + input);
      }
    }
  }

  static String mutate(String seed, Random r) {
    List<String> lines = new ArrayList<>(Arrays.asList(seed.split("\n", -1)));
    int n = 1 + r.nextInt(4);
    for (int k = 0; k < n && !lines.isEmpty(); k++) {
      int i = r.nextInt(lines.size());
      switch (r.nextInt(7)) {
        case 0 -> lines.remove(i);
        case 1 -> lines.add(i, lines.get(i));
        case 2 -> {
          int j = r.nextInt(lines.size());
          String t = lines.get(i);
          lines.set(i, lines.get(j));
          lines.set(j, t);
        }
        case 3, 4 -> {
          String l = lines.get(i);
          if (!l.isEmpty()) {
            int c = r.nextInt(l.length());
            char repl =
                r.nextBoolean()
                    ? SPECIAL.charAt(r.nextInt(SPECIAL.length()))
                    : (char) (32 + r.nextInt(95));
            lines.set(i, l.substring(0, c) + repl + l.substring(c + 1));
          }
        }
        case 5 -> {
          String joined = String.join("\n", lines);
          return joined.substring(0, r.nextInt(joined.length() + 1));
        }
        default -> lines.add(i, randomLine(r));
      }
    }
    return String.join("\n", lines);
  }

  private static String randomLine(Random r) {
    String[] pieces = {
      "[",
      "]",
      "k8s-node",
      "[1:3]",
      "=",
      " ",
      ":",
      "- ",
      "  ",
      "ansible_port",
      "ansible_host",
      "10.0.0.1",
      "&a ",
      "*a",
      "{",
      "}",
      "'",
      "\"",
      "#",
      "roles",
      "etcd",
      "kind: Node",
      "node-role.kubernetes.io/master: ''",
      "[etcd]",
      "[kube_node]",
      "\t",
      "podCidr: 10.244.1.0/24",
      "[x:children]",
      "x",
      "---",
      "!!python/object ",
      "<<: *a"
    };
    StringBuilder b = new StringBuilder();
    int n = r.nextInt(6);
    for (int i = 0; i < n; i++) {
      b.append(pieces[r.nextInt(pieces.length)]);
    }
    return b.toString();
  }

  static String randomText(Random r) {
    StringBuilder b = new StringBuilder();
    int lines = r.nextInt(12);
    for (int i = 0; i < lines; i++) {
      b.append(randomLine(r)).append('\n');
    }
    return b.toString();
  }

  @SafeVarargs
  private static List<String> concat(List<String>... lists) {
    List<String> all = new ArrayList<>();
    for (List<String> l : lists) {
      all.addAll(l);
    }
    return all;
  }
}
