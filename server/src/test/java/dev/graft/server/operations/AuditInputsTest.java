package dev.graft.server.operations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** What the audit trail shows of an activity's input: references as they are, secrets never. */
class AuditInputsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode shown(String json) throws Exception {
    return AuditInputs.shown(JSON.readTree(json));
  }

  @Test
  void referencesToSecretsAreShownAsTheyAre() throws Exception {
    JsonNode out =
        shown(
            "{\"node\": {\"name\": \"n1\", \"ssh\": {\"keyRef\": \"/etc/graft/keys/id_ed25519\","
                + " \"knownHosts\": \"/etc/graft/known_hosts\"}}, \"kubeconfig\": \"/etc/graft/prod.conf\","
                + " \"etcd\": {\"clientKey\": \"/etc/kubernetes/pki/apiserver-etcd-client.key\"},"
                + " \"tokenFile\": \"/run/graft/token\"}");
    assertEquals("/etc/graft/keys/id_ed25519", out.at("/node/ssh/keyRef").asText());
    assertEquals("/etc/graft/prod.conf", out.at("/kubeconfig").asText());
    assertEquals(
        "/etc/kubernetes/pki/apiserver-etcd-client.key", out.at("/etcd/clientKey").asText());
    assertEquals("/run/graft/token", out.at("/tokenFile").asText());
  }

  @Test
  void aSecretThatSlippedIntoAnInputIsReplaced() throws Exception {
    JsonNode out =
        shown(
            "{\"bootstrapToken\": \"abcdef.0123456789abcdef\", \"password\": \"hunter2\","
                + " \"note\": \"join with token abcdef.0123456789abcdef now\","
                + " \"key\": \"-----BEGIN OPENSSH PRIVATE KEY-----\\nb3Blbn...\\n-----END OPENSSH PRIVATE KEY-----\","
                + " \"certificateKey\": \"9f86d081884c7d659a2feaa0c55ad015\", \"name\": \"n1\"}");
    for (String field :
        new String[] {"bootstrapToken", "password", "note", "key", "certificateKey"}) {
      assertEquals(AuditInputs.REDACTED, out.get(field).asText(), field);
    }
    assertEquals("n1", out.get("name").asText());
    assertTrue(!out.toString().contains("hunter2") && !out.toString().contains("0123456789abcdef"));
  }

  @Test
  void longListsAndStringsAreCutSayingWhatWasLeftOut() throws Exception {
    StringBuilder list = new StringBuilder("[");
    for (int i = 0; i < 250; i++) {
      list.append(i == 0 ? "" : ",").append("\"host").append(i).append('"');
    }
    JsonNode out =
        shown("{\"otherHostnames\": " + list + "], \"script\": \"" + "x".repeat(1000) + "\"}");
    assertEquals(AuditInputs.MAX_ARRAY + 1, out.get("otherHostnames").size());
    assertEquals(
        "(230 more left out)", out.get("otherHostnames").get(AuditInputs.MAX_ARRAY).asText());
    assertTrue(
        out.get("script").asText().endsWith("(600 more characters)"), out.get("script").asText());
  }
}
