package dev.graft.server.inventory;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.reader.ReaderException;

/**
 * Parses YAML with SnakeYAML's compose API (a node graph with marks, nothing constructed, so no
 * type tags can instantiate classes) and turns it into {@link YNode}s with 1-based lines.
 *
 * <p>Bounded on purpose: inventories are small, and a hostile or broken file must fail fast rather
 * than expand aliases exponentially, recurse forever on a self-referencing alias, or eat memory.
 */
final class YamlTree {
  static final int MAX_CHARS = 4 * 1024 * 1024;
  static final int MAX_NODES = 200_000;
  static final int MAX_DEPTH = 40;

  /**
   * The longest run of characters without white space SnakeYAML is given. Its reader copies its
   * window for every kilobyte of a token, so one token of n bytes costs n²/1 KiB of copying: 4 MB
   * took 5 s and 1.7 GB. 256 KiB costs milliseconds and holds any real value, and a minified JSON
   * inventory of a few hundred nodes.
   */
  static final int MAX_RUN = 256 * 1024;

  /** Within {@link #parsingOnce}: the last text parsed on this thread and what came of it. */
  private static final ThreadLocal<Parsed[]> ONCE = new ThreadLocal<>();

  private record Parsed(
      String text, List<YNode> docs, List<InventoryError> problems, boolean fatal) {}

  private YamlTree() {}

  /**
   * Runs {@code body} so that a text parsed twice in it (to tell the format, then to import) is
   * parsed once: the second parse gets the first one's documents and problems.
   */
  static <T> T parsingOnce(Supplier<T> body) {
    if (ONCE.get() != null) {
      return body.get();
    }
    ONCE.set(new Parsed[1]);
    try {
      return body.get();
    } finally {
      ONCE.remove();
    }
  }

  /** Every document of {@code text}; empty documents are skipped. */
  static List<YNode> parseAll(String text, Problems problems) {
    Parsed[] once = ONCE.get();
    Parsed last = once == null ? null : once[0];
    if (last == null || last.text() != text) {
      Problems local = new Problems(problems.file());
      try {
        last = new Parsed(text, parseFresh(text, local), local.errors(), false);
      } catch (InventoryException e) {
        last = new Parsed(text, List.of(), e.errors(), true);
      }
      if (once != null) {
        once[0] = last;
      }
    }
    for (InventoryError e : last.problems()) {
      problems.add(e.line(), e.field(), e.message());
    }
    if (last.fatal()) {
      throw new InventoryException(problems.errors());
    }
    return last.docs();
  }

  /** The line of the first run longer than {@link #MAX_RUN}, or 0. */
  private static int longRun(String text) {
    int run = 0;
    int line = 1;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\n') {
        line++;
      }
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        run = 0;
      } else if (++run > MAX_RUN) {
        return line;
      }
    }
    return 0;
  }

  private static List<YNode> parseFresh(String text, Problems problems) {
    if (text.length() > MAX_CHARS) {
      throw problems.fatal(
          0,
          null,
          "file is larger than "
              + MAX_CHARS / (1024 * 1024)
              + " MiB; an inventory is never that large");
    }
    int longLine = longRun(text);
    if (longLine > 0) {
      throw problems.fatal(
          longLine,
          null,
          "more than "
              + MAX_RUN / 1024
              + " KiB without a"
              + " space or line break; no inventory value is that long (pretty-print JSON)");
    }
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(true); // reported by us, with both lines
    options.setMaxAliasesForCollections(20);
    options.setNestingDepthLimit(MAX_DEPTH);
    options.setCodePointLimit(MAX_CHARS);
    options.setAllowRecursiveKeys(false);
    Yaml yaml = new Yaml(options);
    List<YNode> docs = new ArrayList<>();
    int[] budget = {MAX_NODES};
    try {
      for (Node root : yaml.composeAll(new StringReader(text))) {
        if (root == null) {
          continue;
        }
        YNode n = convert(root, 0, budget, new IdentityHashMap<>(), problems);
        if (!(n instanceof YNode.YScalar s && s.isNull())) {
          docs.add(n);
        }
      }
    } catch (MarkedYAMLException e) {
      Mark m = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
      String what = e.getProblem() != null ? e.getProblem() : e.getMessage();
      String context = e.getContext() != null ? " (" + e.getContext() + ")" : "";
      throw problems.fatal(
          m == null ? 0 : m.getLine() + 1, null, "YAML syntax: " + oneLine(what) + context);
    } catch (ReaderException e) {
      // Knows the offending character's position, not its line: count the lines up to it.
      throw problems.fatal(lineAt(text, e.getPosition()), null, "YAML: " + oneLine(e.getMessage()));
    } catch (YAMLException e) {
      throw problems.fatal(0, null, "YAML: " + oneLine(e.getMessage()));
    } catch (InventoryException e) {
      throw e;
    } catch (RuntimeException | StackOverflowError e) {
      // SnakeYAML has thrown other unchecked exceptions on some broken inputs; the contract of
      // every importer is a positioned InventoryException, so they are reported, not leaked.
      throw problems.fatal(0, null, "YAML could not be read: " + oneLine(String.valueOf(e)));
    }
    return docs;
  }

  private static YNode convert(
      Node node, int depth, int[] budget, IdentityHashMap<Node, Boolean> path, Problems problems) {
    int line = node.getStartMark() == null ? 0 : node.getStartMark().getLine() + 1;
    if (--budget[0] < 0) {
      throw problems.fatal(line, null, "more than " + MAX_NODES + " YAML nodes");
    }
    if (depth > MAX_DEPTH || path.containsKey(node)) {
      throw problems.fatal(line, null, "YAML nests too deep or an alias refers to itself");
    }
    path.put(node, Boolean.TRUE);
    try {
      if (node instanceof ScalarNode s) {
        boolean quoted = s.getScalarStyle() != DumperOptions.ScalarStyle.PLAIN;
        boolean isNull = !quoted && Tag.NULL.equals(s.getTag());
        return new YNode.YScalar(line, isNull ? "" : s.getValue(), isNull, quoted);
      }
      if (node instanceof SequenceNode q) {
        List<YNode> items = new ArrayList<>();
        for (Node item : q.getValue()) {
          items.add(convert(item, depth + 1, budget, path, problems));
        }
        return new YNode.YSeq(line, items);
      }
      MappingNode m = (MappingNode) node;
      Map<String, YNode.Entry> entries = new LinkedHashMap<>();
      for (NodeTuple t : m.getValue()) {
        Node k = t.getKeyNode();
        int keyLine = k.getStartMark() == null ? line : k.getStartMark().getLine() + 1;
        if (!(k instanceof ScalarNode ks)) {
          throw problems.fatal(keyLine, null, "a mapping key must be a plain value");
        }
        String key = ks.getValue();
        YNode value = convert(t.getValueNode(), depth + 1, budget, path, problems);
        YNode.Entry previous = entries.get(key);
        if (previous != null) {
          problems.add(keyLine, key, "duplicate key (first at line " + previous.keyLine() + ")");
          continue;
        }
        entries.put(key, new YNode.Entry(key, keyLine, value));
      }
      return new YNode.YMap(line, entries);
    } finally {
      path.remove(node);
    }
  }

  /** The 1-based line of a code point index. */
  private static int lineAt(String text, int codePoint) {
    int line = 1;
    int i = 0;
    for (int cp = 0; i < text.length() && cp < codePoint; cp++) {
      if (text.charAt(i) == '\n') {
        line++;
      }
      i += Character.charCount(text.codePointAt(i));
    }
    return line;
  }

  static String oneLine(String s) {
    if (s == null) {
      return "";
    }
    String t = s.replaceAll("\\s+", " ").trim();
    return t.length() > 300 ? t.substring(0, 300) + "..." : t;
  }
}
