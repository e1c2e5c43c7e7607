package dev.graft.server.inventory;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A YAML node with its 1-based line: the small tree the importers walk. Built from SnakeYAML's
 * composed nodes by {@link YamlTree}, which also refuses aliases that loop and bounds the size, so
 * no importer has to think about either.
 */
sealed interface YNode permits YNode.YMap, YNode.YSeq, YNode.YScalar {
  int line();

  /** A short name of the node's kind for messages: "a mapping", "a list", "a string". */
  String kind();

  /** A mapping; keys are scalars (others are refused while the tree is built). */
  record YMap(int line, Map<String, Entry> entries) implements YNode {
    public YMap {
      entries = new LinkedHashMap<>(entries);
    }

    YNode get(String key) {
      Entry e = entries.get(key);
      return e == null ? null : e.value();
    }

    @Override
    public String kind() {
      return "a mapping";
    }
  }

  /** One key of a mapping with the line of the key itself. */
  record Entry(String key, int keyLine, YNode value) {}

  record YSeq(int line, List<YNode> items) implements YNode {
    public YSeq {
      items = List.copyOf(items);
    }

    @Override
    public String kind() {
      return "a list";
    }
  }

  /**
   * A scalar.
   *
   * @param value the text ({@code ""} for an empty value)
   * @param isNull an explicit or implicit null ({@code ~}, {@code null}, nothing at all)
   * @param quoted written with quotes, so "true" or "22" are strings, not a bool or a number
   */
  record YScalar(int line, String value, boolean isNull, boolean quoted) implements YNode {
    @Override
    public String kind() {
      return isNull ? "empty" : "a scalar";
    }
  }
}
