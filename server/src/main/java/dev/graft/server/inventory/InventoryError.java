package dev.graft.server.inventory;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One problem in an inventory, positioned so an operator can go straight to it.
 *
 * @param file the file as the operator named it
 * @param line 1-based line; 0 means the whole file (e.g. "no control-plane node at all")
 * @param field the field or variable concerned, or null
 * @param message what is wrong, in a sentence fragment that follows "field X: "
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record InventoryError(String file, int line, String field, String message) {
  public boolean wholeFile() {
    return line <= 0;
  }

  /** {@code inventory.ini:7: field ansible_port: "abc" is not a port number}. */
  @Override
  public String toString() {
    return file
        + (line > 0 ? ":" + line : "")
        + ": "
        + (field == null ? "" : "field " + field + ": ")
        + message;
  }
}
