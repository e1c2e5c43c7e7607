package dev.graft.server.inventory;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

  private YamlTree() {}

  /** Every document of {@code text}; empty documents are skipped. */
  static List<YNode> parseAll(String text, Problems problems) {
    if (text.length() > MAX_CHARS) {
      throw problems.fatal(0, null, "file is larger than " + MAX_CHARS / (1024 * 1024)
          + " MiB; an inventory is never that large");
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
      throw problems.fatal(m == null ? 0 : m.getLine() + 1, null,
          "YAML syntax: " + oneLine(what) + context);
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

  private static YNode convert(Node node, int depth, int[] budget,
      IdentityHashMap<Node, Boolean> path, Problems problems) {
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

  static String oneLine(String s) {
    if (s == null) {
      return "";
    }
    String t = s.replaceAll("\\s+", " ").trim();
    return t.length() > 300 ? t.substring(0, 300) + "..." : t;
  }
}
