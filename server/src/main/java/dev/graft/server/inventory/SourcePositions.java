package dev.graft.server.inventory;

import java.util.HashMap;
import java.util.Map;

/**
 * Where each imported value came from, so that validation (which runs on the imported model, after
 * import) can still name the line. Keys: {@code node/<name>} for a node's declaration, {@code
 * node/<name>/<field>} for one of its fields, {@code cluster/<field>} for cluster settings.
 */
public final class SourcePositions {
  private final Map<String, Integer> lines = new HashMap<>();
  private final Map<String, String> fieldNames = new HashMap<>();

  void node(String node, int line) {
    lines.putIfAbsent("node/" + node, line);
  }

  /** Records a node field and the name it has in the source format (e.g. ansible_port). */
  void nodeField(String node, String field, int line, String sourceName) {
    lines.put("node/" + node + "/" + field, line);
    fieldNames.put("node/" + node + "/" + field, sourceName);
  }

  void cluster(String field, int line, String sourceName) {
    lines.put("cluster/" + field, line);
    fieldNames.put("cluster/" + field, sourceName);
  }

  /** The line of a node's field, else of the node, else 0 (whole file). */
  public int nodeLine(String node, String field) {
    Integer l = lines.get("node/" + node + "/" + field);
    if (l == null) {
      l = lines.get("node/" + node);
    }
    return l == null ? 0 : l;
  }

  /** The name the source format gives a node field, e.g. ansible_host for address. */
  public String nodeFieldName(String node, String field) {
    return fieldNames.getOrDefault("node/" + node + "/" + field, field);
  }

  public int clusterLine(String field) {
    return lines.getOrDefault("cluster/" + field, 0);
  }

  public String clusterFieldName(String field) {
    return fieldNames.getOrDefault("cluster/" + field, field);
  }
}
