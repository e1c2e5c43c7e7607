package dev.graft.server.operations;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Settings of {@code POST /api/v1/operations}. */
public class OperationSettings {
  /**
   * Check that the SSH key and known_hosts files an inventory names exist on the server before
   * anything starts: right when the workers share the server's machine ({@code graft dev}, one
   * host); set false when workers run elsewhere and hold the files.
   */
  @JsonProperty private boolean checkFiles = true;

  public boolean isCheckFiles() {
    return checkFiles;
  }
}
