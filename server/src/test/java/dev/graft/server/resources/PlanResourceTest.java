package dev.graft.server.resources;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.graft.server.inventory.Seeds;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.dropwizard.testing.junit5.ResourceExtension;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.nio.file.Files;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(DropwizardExtensionsSupport.class)
class PlanResourceTest {
  static final ResourceExtension API =
      ResourceExtension.builder().addResource(new PlanResource(hosts -> Set.of())).build();

  private Response post(String body, String type, String query) {
    jakarta.ws.rs.client.WebTarget t = API.target("/v1/plans");
    if (!query.isEmpty()) {
      for (String pair : query.substring(1).split("&")) {
        String[] kv = pair.split("=");
        t = t.queryParam(kv[0], kv[1]);
      }
    }
    return t.request(MediaType.APPLICATION_JSON).post(Entity.entity(body, type));
  }

  @Test
  void anIniBodyReturnsThePlan() {
    Response r = post(Seeds.resource("002-kubespray-final.ini"), MediaType.TEXT_PLAIN, "");
    assertEquals(200, r.getStatus());
    JsonNode plan = r.readEntity(JsonNode.class);
    // --assume-empty semantics: node1 exists, the other five are added.
    assertEquals(5, plan.get("additions").size());
    assertEquals("k8s-node2", plan.get("phases").get(1).get("steps").get(0).get("node").asText());
    assertEquals(false, plan.get("refused").asBoolean());
  }

  @Test
  void yamlAndJsonBodies() throws Exception {
    Response yaml =
        post(
            Seeds.resource("000-metalk8s-nodes.yaml"),
            "application/yaml",
            "?maxParallel=2&checkFiles=false");
    assertEquals(200, yaml.getStatus());
    String json =
        "{\"apiVersion\": \"graft.dev/v1\", \"kind\": \"Cluster\", \"name\": \"lab\","
            + " \"nodes\": [{\"name\": \"n1\", \"address\": \"10.0.0.1\", \"roles\":"
            + " [\"control-plane\", \"etcd\"]}, {\"name\": \"n2\", \"address\": \"10.0.0.2\","
            + " \"roles\": [\"worker\"]}]}";
    Response r = post(json, MediaType.APPLICATION_JSON, "");
    assertEquals(200, r.getStatus());
    assertEquals("n2", r.readEntity(JsonNode.class).get("additions").get(0).get("name").asText());
    assertEquals(
        200,
        post(Files.readString(Seeds.example("hosts.yaml")), "application/yaml", "").getStatus());
  }

  @Test
  void invalidInputIs400WithLineAndField() {
    Response r = post("[kube_control_plane]\ncp1 ansible_port=abc\n", MediaType.TEXT_PLAIN, "");
    assertEquals(400, r.getStatus());
    JsonNode body = r.readEntity(JsonNode.class);
    JsonNode e = body.get("errors").get(0);
    assertEquals("inventory.ini", e.get("file").asText());
    assertEquals(2, e.get("line").asInt());
    assertEquals("ansible_port", e.get("field").asText());
    assertEquals("\"abc\" is not a port number", e.get("message").asText());
    assertTrue(body.get("error").asText().startsWith("inventory.ini:2: field ansible_port"));
  }

  @Test
  void keyFilesAreCheckedUnlessTheRequestSaysTheyLiveElsewhere() {
    Response r = post(Seeds.resource("000-metalk8s-nodes.yaml"), "application/yaml", "");
    assertEquals(400, r.getStatus());
    JsonNode e = r.readEntity(JsonNode.class).get("errors").get(0);
    assertEquals("metadata.annotations.metalk8s.scality.com/ssh-key-path", e.get("field").asText());
    assertEquals(9, e.get("line").asInt());
  }

  @Test
  void theDamagedSeedManifestIs400() {
    Response r = post(Seeds.resource("001-metalk8s-damaged.yaml"), "application/yaml", "");
    assertEquals(400, r.getStatus());
    assertEquals(3, r.readEntity(JsonNode.class).get("errors").get(0).get("line").asInt());
  }

  @Test
  void unsupportedOptionsAre400() {
    assertEquals(
        400, post("[kube_node]\nw1\n", MediaType.TEXT_PLAIN, "?maxParallel=0").getStatus());
    assertEquals(
        400, post("[kube_node]\nw1\n", MediaType.TEXT_PLAIN, "?assumeEmpty=false").getStatus());
    assertEquals(400, post("", MediaType.TEXT_PLAIN, "").getStatus());
  }
}
