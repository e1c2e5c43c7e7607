package dev.graft.server.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.graft.server.testing.Prereqs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The shipped alert rules pass {@code promtool check rules} and their unit tests ({@code promtool
 * test rules} on fixture series, config/prometheus/graft-rules-test.yml), and every rule's runbook
 * points at a section of docs/observability.md that exists. (That Graft exposes every metric the
 * rules use is {@link ObservabilityTest}'s.)
 */
class AlertRulesTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Path PROMTOOL = Path.of("/usr/bin/promtool");

  @Test
  void promtoolChecksTheRules() throws Exception {
    Prereqs.require("promtool (Debian package prometheus)", PROMTOOL);
    assertEquals("", promtool("check", "rules", "graft-rules.yml"));
  }

  @Test
  void promtoolUnitTestsPass() throws Exception {
    Prereqs.require("promtool (Debian package prometheus)", PROMTOOL);
    assertEquals("", promtool("test", "rules", "graft-rules-test.yml"));
  }

  @Test
  void everyRuleHasARunbookSectionAndATest() throws Exception {
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    JsonNode rules = yaml.readTree(ROOT.resolve("config/prometheus/graft-rules.yml").toFile());
    String tests = Files.readString(ROOT.resolve("config/prometheus/graft-rules-test.yml"));
    String docs = Files.readString(ROOT.resolve("docs/observability.md"));
    int n = 0;
    for (JsonNode g : rules.path("groups")) {
      for (JsonNode r : g.path("rules")) {
        n++;
        String name = r.path("alert").asText();
        String runbook = r.path("annotations").path("runbook").asText();
        assertTrue(runbook.startsWith("docs/observability.md#runbook-"), name + ": " + runbook);
        String anchor = runbook.substring(runbook.indexOf('#') + 1);
        // GitHub's anchor of "### Runbook: operation needs attention" is
        // runbook-operation-needs-attention.
        String heading = anchor.replace('-', ' ').replaceFirst("^runbook ", "Runbook: ");
        assertTrue(
            docs.toLowerCase().contains("### " + heading.toLowerCase()),
            name + ": no section '" + heading + "'");
        assertTrue(tests.contains("alertname: " + name), name + " has no promtool test");
      }
    }
    assertTrue(n >= 5, "rules: " + n);
  }

  /** Runs promtool in config/prometheus; returns its output when it fails, "" when it passes. */
  private static String promtool(String... args) throws Exception {
    String[] cmd = new String[args.length + 1];
    cmd[0] = PROMTOOL.toString();
    System.arraycopy(args, 0, cmd, 1, args.length);
    Process p =
        new ProcessBuilder(cmd)
            .directory(ROOT.resolve("config/prometheus").toFile())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "promtool did not finish in 30 s");
    return p.exitValue() == 0 ? "" : out;
  }
}
