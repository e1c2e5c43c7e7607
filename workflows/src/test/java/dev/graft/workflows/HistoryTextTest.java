package dev.graft.workflows;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.temporal.common.WorkflowExecutionHistory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class HistoryTextTest {
  @Test
  void payloadsAreDecodedSoASearchFindsWhatTheyCarry() throws Exception {
    String json = Files.readString(Path.of("src/test/resources/histories/node-join-happy.json"));
    // The recorded input names the node; the raw JSON only has it in base64.
    assertFalse(
        json.contains("\"name\":\"k8s-node"), "payloads are not base64 in the raw JSON any more?");
    String text = HistoryText.of(WorkflowExecutionHistory.fromJson(json));
    assertTrue(
        text.contains("\"name\":\"k8s-node"), text.substring(0, Math.min(2000, text.length())));
  }
}
