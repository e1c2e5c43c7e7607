package dev.graft.activities.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * How etcd's, jetcd's and gRPC's error messages become failure types (every call error is
 * retryable).
 */
class EtcdFailuresTest {
  private static String type(Throwable t) {
    return EtcdFailures.type(EtcdFailures.message(t));
  }

  @Test
  void aChannelClosedUnderTheCallIsEtcdUnavailable() {
    // A removed member's process closes its connections while a call is on them.
    assertEquals(
        "EtcdUnavailable",
        type(
            new RuntimeException(
                "io.grpc.StatusRuntimeException: UNKNOWN",
                new RuntimeException("channel closed"))));
  }

  @Test
  void etcdsOwnRefusalsKeepTheirTypes() {
    assertEquals("EtcdUnhealthyCluster", EtcdFailures.type("etcdserver: unhealthy cluster"));
    assertEquals("EtcdMemberMissing", EtcdFailures.type("etcdserver: member not found"));
    assertEquals(
        "EtcdLearnerNotInSync",
        EtcdFailures.type(
            "etcdserver: can only promote a learner member which is in sync with leader"));
    assertEquals("EtcdError", EtcdFailures.type("etcdserver: something new"));
  }
}
