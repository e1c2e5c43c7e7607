package dev.graft.workflows;

import io.temporal.common.WorkflowExecutionHistory;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A workflow history as searchable text: its JSON with every payload (inputs, results, failure and
 * heartbeat details) decoded from base64, which is how the JSON form carries them. A search of the
 * raw JSON for a secret finds nothing even when the secret is there; search this instead.
 */
public final class HistoryText {
  private static final Pattern DATA = Pattern.compile("\"data\"\\s*:\\s*\"([A-Za-z0-9+/=]*)\"");

  private HistoryText() {}

  public static String of(WorkflowExecutionHistory history) {
    return decodePayloads(history.toJson(false));
  }

  /** Replaces each {@code "data": "<base64>"} in a history's JSON with its decoded text. */
  public static String decodePayloads(String historyJson) {
    Matcher m = DATA.matcher(historyJson);
    StringBuilder out = new StringBuilder(historyJson.length() * 2);
    while (m.find()) {
      String decoded;
      try {
        decoded = new String(Base64.getDecoder().decode(m.group(1)), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        decoded = m.group(1);
      }
      m.appendReplacement(out, Matcher.quoteReplacement("\"data\": " + decoded));
    }
    m.appendTail(out);
    return out.toString();
  }
}
