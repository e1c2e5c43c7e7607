package dev.graft.server.inventory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Collects the problems of one file, so that an operator sees all of them at once, then throws them
 * together. Capped: a file of garbage should not produce a million lines.
 */
final class Problems {
  static final int MAX = 200;
  private final String file;
  private final List<InventoryError> errors = new ArrayList<>();

  Problems(String file) {
    this.file = file;
  }

  String file() {
    return file;
  }

  void add(int line, String field, String message) {
    InventoryError e = new InventoryError(file, Math.max(line, 0), field, message);
    // Group variables apply to many hosts; one mistake is reported once.
    if (errors.size() < MAX && !errors.contains(e)) {
      errors.add(e);
    }
  }

  /** Adds and stops right away: for problems after which parsing cannot go on. */
  InventoryException fatal(int line, String field, String message) {
    add(line, field, message);
    return new InventoryException(errors);
  }

  List<InventoryError> errors() {
    return List.copyOf(errors);
  }

  boolean isEmpty() {
    return errors.isEmpty();
  }

  /** Throws every problem so far, in line order (whole-file problems first). */
  void throwIfAny() {
    if (!errors.isEmpty()) {
      List<InventoryError> sorted = new ArrayList<>(errors);
      sorted.sort(Comparator.comparingInt(InventoryError::line));
      throw new InventoryException(sorted);
    }
  }
}
