package dev.graft.server.inventory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The way in for every inventory: reads a file, tells its format from the extension and the
 * content, and imports it. Every failure is an {@link InventoryException}; nothing partial comes
 * back.
 */
public final class Inventories {
  private Inventories() {}

  public static ImportedInventory load(Path path) {
    String display = path.toString();
    byte[] bytes;
    try {
      if (Files.size(path) > YamlTree.MAX_CHARS) {
        throw new InventoryException(
            new InventoryError(
                display, 0, null, "file is larger than 4 MiB; an inventory is never that large"));
      }
      bytes = Files.readAllBytes(path);
    } catch (IOException e) {
      throw new InventoryException(
          new InventoryError(display, 0, null, "cannot read the file: " + e));
    }
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes))
              .toString();
    } catch (CharacterCodingException e) {
      throw new InventoryException(
          new InventoryError(display, 0, null, "the file is not UTF-8 text"));
    }
    return YamlTree.parsingOnce(() -> importText(display, text, detect(display, text)));
  }

  /** Imports text whose format is known or detected ({@code format} may be null). */
  public static ImportedInventory importText(String file, String text, InventoryFormat format) {
    if (text != null && text.length() > YamlTree.MAX_CHARS) {
      throw new InventoryException(
          new InventoryError(
              file,
              0,
              null,
              "the inventory is larger than 4 MiB; an inventory is never that large"));
    }
    try {
      return YamlTree.parsingOnce(() -> importUnguarded(file, text, format));
    } catch (InventoryException e) {
      throw e;
    } catch (RuntimeException | StackOverflowError e) {
      // A bug of ours must still reach the operator as a message about their file, never as a
      // stack trace instead of a plan. The fuzz test calls importUnguarded, so such a bug fails
      // the build instead of hiding here.
      throw new InventoryException(
          new InventoryError(
              file,
              0,
              null,
              "could not be imported ("
                  + e.getClass().getSimpleName()
                  + ": "
                  + YamlTree.oneLine(e.getMessage())
                  + ")"));
    }
  }

  /** {@link #importText} without the last-resort net; for tests that hunt for such bugs. */
  static ImportedInventory importUnguarded(String file, String text, InventoryFormat format) {
    InventoryFormat f = format != null ? format : detect(file, text);
    {
      return switch (f) {
        case GRAFT_YAML -> GraftYamlImporter.importText(file, text);
        case METALK8S_NODES -> MetalK8sImporter.importText(file, text);
        case KUBESPRAY_INI -> {
          Problems p = new Problems(file);
          yield KubesprayMapper.map(KubesprayIniParser.parse(text, p), p, f);
        }
        case KUBESPRAY_YAML -> {
          Problems p = new Problems(file);
          yield KubesprayMapper.map(KubesprayYamlParser.parse(text, p), p, f);
        }
      };
    }
  }

  /**
   * Tells the format: {@code .ini}/{@code .cfg} or a first line that is a {@code [section]} means
   * kubespray INI; otherwise YAML (JSON included) whose first document says {@code kind: Cluster}
   * (Graft), {@code kind: Node}/{@code List} (MetalK8s) or has a top-level {@code all} (kubespray
   * YAML). Anything else that is not a YAML mapping is read as INI (hosts without a section).
   */
  public static InventoryFormat detect(String file, String text) {
    String lower = file.toLowerCase(Locale.ROOT);
    if (lower.endsWith(".ini") || lower.endsWith(".cfg")) {
      return InventoryFormat.KUBESPRAY_INI;
    }
    String first = firstSignificantLine(text);
    if (first.startsWith("[") && !lower.endsWith(".json")) {
      return InventoryFormat.KUBESPRAY_INI;
    }
    List<YNode> docs;
    try {
      docs = YamlTree.parseAll(text, new Problems(file));
    } catch (InventoryException e) {
      boolean yamlName =
          lower.endsWith(".yaml") || lower.endsWith(".yml") || lower.endsWith(".json");
      if (yamlName
          || first.contains(": ")
          || first.endsWith(":")
          || first.startsWith("{")
          || first.startsWith("---")) {
        throw e; // clearly meant as YAML: report the YAML error itself
      }
      return InventoryFormat.KUBESPRAY_INI;
    }
    YNode doc = docs.isEmpty() ? null : docs.get(0);
    if (doc instanceof YNode.YMap m) {
      String kind = m.get("kind") instanceof YNode.YScalar s ? s.value() : null;
      String api = m.get("apiVersion") instanceof YNode.YScalar s ? s.value() : "";
      if ("Cluster".equals(kind) || api.startsWith("graft.dev/")) {
        return InventoryFormat.GRAFT_YAML;
      }
      if ("Node".equals(kind) || "List".equals(kind) || "NodeList".equals(kind)) {
        return InventoryFormat.METALK8S_NODES;
      }
      if (m.get("all") != null
          || m.entries().size() > 0
              && kind == null
              && m.get("nodes") == null
              && m.get("apiVersion") == null) {
        return InventoryFormat.KUBESPRAY_YAML;
      }
      return m.get("apiVersion") != null && !api.startsWith("graft.dev/")
          ? InventoryFormat.METALK8S_NODES
          : InventoryFormat.GRAFT_YAML;
    }
    if (lower.endsWith(".yaml") || lower.endsWith(".yml") || lower.endsWith(".json")) {
      throw new InventoryException(
          new InventoryError(
              file,
              doc == null ? 0 : doc.line(),
              null,
              doc == null
                  ? "the file is empty"
                  : "not an inventory: expected a YAML mapping (Graft Cluster, MetalK8s Node or"
                      + " kubespray all:)"));
    }
    return InventoryFormat.KUBESPRAY_INI;
  }

  private static String firstSignificantLine(String text) {
    for (String l : text.split("\r\n|\r|\n", 200)) {
      String t = l.strip().replace("\uFEFF", "");
      if (!t.isEmpty() && !t.startsWith("#") && !t.startsWith(";")) {
        return t;
      }
    }
    return "";
  }
}
