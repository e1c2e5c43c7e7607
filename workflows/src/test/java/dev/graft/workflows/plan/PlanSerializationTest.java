package dev.graft.workflows.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.workflows.model.ClusterSpec;
import dev.graft.workflows.model.EtcdTopology;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.SshSpec;
import dev.graft.workflows.model.Taint;
import io.temporal.api.common.v1.Payload;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The records are workflow inputs and outputs: Temporal's own converter must round-trip them. */
class PlanSerializationTest {
  private final DataConverter converter = DefaultDataConverter.newDefaultInstance();

  @Test
  void clusterSpecRoundTripsThroughTemporalsConverter() {
    NodeSpec infra =
        new NodeSpec(
            "infra-1",
            "10.213.0.21",
            null,
            Fixtures.roles("infra+worker"),
            new SshSpec("ops", 2222, "/keys/id", true, "ssh-ed25519 AAAAC3Nza", null),
            Map.of("zone", "a"),
            List.of(new Taint("node-role.kubernetes.io/infra", null, "NoSchedule")),
            "10.244.5.0/24");
    ClusterSpec spec =
        Fixtures.cluster(
            EtcdTopology.STACKED, false, Fixtures.node(1, "control-plane+etcd"), infra);
    Payload p = converter.toPayload(spec).orElseThrow();
    String json = p.getData().toString(StandardCharsets.UTF_8);
    assertTrue(json.contains("\"control-plane\""), json);
    assertTrue(json.contains("\"stacked\""), json);
    assertEquals(spec, converter.fromPayload(p, ClusterSpec.class, ClusterSpec.class));
  }

  @Test
  void expansionPlanRoundTripsThroughTemporalsConverter() {
    ExpansionPlan plan = PlannerTest.seed002();
    Optional<Payload> p = converter.toPayload(plan);
    ExpansionPlan back =
        converter.fromPayload(p.orElseThrow(), ExpansionPlan.class, ExpansionPlan.class);
    assertEquals(plan, back);
    assertTrue(p.get().getData().toString(StandardCharsets.UTF_8).contains("\"refused\":false"));
  }
}
