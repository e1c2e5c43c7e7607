package dev.graft.server.inventory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Test inputs: the seed inventories (test resources) and the shipped examples. */
public final class Seeds {
  private Seeds() {}

  public static String resource(String name) {
    try (InputStream in = Seeds.class.getResourceAsStream("/seeds/" + name)) {
      if (in == null) {
        throw new IllegalArgumentException("no test resource seeds/" + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A file of config/examples (the tests keep the shipped examples honest). */
  public static Path example(String name) {
    Path p = Path.of("..", "config", "examples", name);
    if (!Files.exists(p)) {
      throw new IllegalStateException("missing example " + p.toAbsolutePath());
    }
    return p;
  }

  public static ImportedInventory importSeed(String name) {
    return Inventories.importText(name, resource(name), null);
  }
}
