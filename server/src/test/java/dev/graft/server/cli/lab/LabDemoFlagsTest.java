package dev.graft.server.cli.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.sourceforge.argparse4j.ArgumentParsers;
import net.sourceforge.argparse4j.inf.ArgumentParser;
import net.sourceforge.argparse4j.inf.ArgumentParserException;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;
import org.junit.jupiter.api.Test;

/**
 * Every flag the README names for {@code ./graft lab demo} (both scenarios) is one the command
 * takes, with the meaning the README gives it. What {@code --keep} leaves behind is proven on a
 * real bootstrapped lab by BootstrapLabTest's teardown (the API stand-in stops with its JVM, the
 * hosts stay reachable over ssh and in {@code lab status}, {@code lab down} removes them).
 */
class LabDemoFlagsTest {
  private static final Pattern DEMO_LINE =
      Pattern.compile("`\\./graft lab demo( upgrade)? ([^`]*)`");
  private static final Pattern FLAG = Pattern.compile("--[a-z-]+");

  private static Namespace parse(String... args) throws ArgumentParserException {
    ArgumentParser graft = ArgumentParsers.newFor("graft").build();
    Subparser demo = graft.addSubparsers().addParser("demo");
    new LabDemo().configure(demo);
    return graft.parseArgs(args);
  }

  @Test
  void everyFlagTheReadmeNamesForTheDemoIsTakenByBothScenarios() throws Exception {
    String readme = Files.readString(Path.of("../README.md"));
    Set<String> flags = new LinkedHashSet<>();
    Matcher m = DEMO_LINE.matcher(readme);
    while (m.find()) {
      Matcher f = FLAG.matcher(m.group(2));
      while (f.find()) {
        flags.add(f.group());
      }
    }
    assertTrue(
        flags.containsAll(List.of("--keep", "--exit", "--require-approval")), flags.toString());
    for (String flag : flags) {
      parse("demo", flag);
      parse("demo", "upgrade", flag);
    }
    List<String> all = new ArrayList<>(List.of("demo"));
    all.addAll(flags);
    Namespace ns = parse(all.toArray(String[]::new));
    assertTrue(ns.getBoolean("keep"));
    assertTrue(ns.getBoolean("exit"));
    assertTrue(ns.getBoolean("require_approval"));
    assertEquals("expand", ns.getString("scenario"));
    Namespace plain = parse("demo", "upgrade");
    assertFalse(plain.getBoolean("keep"));
    assertEquals("upgrade", plain.getString("scenario"));
  }
}
