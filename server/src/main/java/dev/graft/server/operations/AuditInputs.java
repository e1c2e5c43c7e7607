package dev.graft.server.operations;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.Iterator;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * An activity's input as the audit trail shows it: the JSON the workflow scheduled it with,
 * shortened (long lists and strings cut, with a note of what was cut) and with anything that looks
 * like a secret replaced.
 *
 * <p>Workflows carry references only (key paths, kubeconfig names, known_hosts files), so there is
 * normally nothing to replace; this is the second line of defence, so that a secret that slipped
 * into an input by mistake is not also spread through the UI and every JSON export. A value is
 * replaced when its field is named like a secret (token, password, secret, private or certificate
 * key) and the value is not a reference (an absolute path), or when the value itself looks like key
 * material (a PEM private key) or a kubeadm bootstrap token.
 */
final class AuditInputs {
  static final String REDACTED = "[redacted: not a reference]";
  static final int MAX_ARRAY = 20;
  static final int MAX_STRING = 400;
  static final int MAX_DEPTH = 8;

  private static final Pattern SECRET_FIELD =
      Pattern.compile(
          "(?i).*(password|passwd|secret|token|privatekey|certificatekey|certkey|bearer).*");
  private static final Pattern PRIVATE_KEY = Pattern.compile("-----BEGIN [A-Z ]*PRIVATE KEY-----");
  private static final Pattern BOOTSTRAP_TOKEN =
      Pattern.compile("\\b[a-z0-9]{6}\\.[a-z0-9]{16}\\b");

  private AuditInputs() {}

  static JsonNode shown(JsonNode input) {
    return input == null ? null : walk(null, input, 0);
  }

  private static JsonNode walk(String field, JsonNode n, int depth) {
    if (n.isTextual()) {
      return text(field, n.asText());
    }
    if (depth >= MAX_DEPTH && n.isContainerNode()) {
      return TextNode.valueOf("(nested deeper than " + MAX_DEPTH + " levels: left out)");
    }
    if (n.isArray()) {
      ArrayNode out = JsonNodeFactory.instance.arrayNode();
      int i = 0;
      for (JsonNode e : n) {
        if (i++ == MAX_ARRAY) {
          out.add("(" + (n.size() - MAX_ARRAY) + " more left out)");
          break;
        }
        out.add(walk(field, e, depth + 1));
      }
      return out;
    }
    if (n.isObject()) {
      ObjectNode out = JsonNodeFactory.instance.objectNode();
      for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        out.set(e.getKey(), walk(e.getKey(), e.getValue(), depth + 1));
      }
      return out;
    }
    return n;
  }

  private static JsonNode text(String field, String value) {
    boolean reference = value.startsWith("/") && !value.contains("\n");
    if ((field != null && SECRET_FIELD.matcher(field).matches() && !reference && !value.isEmpty())
        || PRIVATE_KEY.matcher(value).find()
        || BOOTSTRAP_TOKEN.matcher(value).find()) {
      return TextNode.valueOf(REDACTED);
    }
    if (value.length() > MAX_STRING) {
      return TextNode.valueOf(
          value.substring(0, MAX_STRING)
              + "… ("
              + (value.length() - MAX_STRING)
              + " more characters)");
    }
    return TextNode.valueOf(value);
  }
}
