package dev.graft.activities.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.activities.common.InvalidValueException;
import io.temporal.failure.ApplicationFailure;
import java.net.ConnectException;
import java.util.List;
import org.junit.jupiter.api.Test;

class SshFailuresTest {
  private static void maps(Exception e, String type, boolean nonRetryable) {
    ApplicationFailure f = SshFailures.toApplicationFailure(e);
    assertEquals(type, f.getType(), e.toString());
    assertEquals(nonRetryable, f.isNonRetryable(), e.toString());
    assertEquals(nonRetryable, SshFailures.NON_RETRYABLE_TYPES.contains(type), type);
  }

  @Test
  void trustAndConfigurationFailuresAreNonRetryable() {
    maps(
        new HostKeyMismatchException(
            "h", 22, "ssh-ed25519", "SHA256:a", List.of("SHA256:b"), "x", false),
        "SshHostKeyMismatch",
        true);
    maps(
        new UnknownHostKeyException("h", 22, "ssh-ed25519", "SHA256:a", "x"),
        "SshHostKeyUnknown",
        true);
    maps(new SshKeyUnreadableException("k"), "SshKeyUnreadable", true);
    maps(new SshAuthFailedException("a"), "SshAuthFailed", true);
    maps(new SshConfigException("c"), "SshConfigInvalid", true);
    maps(new InvalidValueException("nodes[0].name", "a;rm -rf /", "bad"), "InvalidInput", true);
  }

  @Test
  void transportFailuresAndTimeoutsAreRetryable() {
    maps(new SshUnreachableException("u"), "SshUnreachable", false);
    maps(new ConnectException("Connection refused"), "SshUnreachable", false);
    maps(new java.io.IOException("reset"), "SshUnreachable", false);
    maps(new IllegalStateException("bug"), "SshError", false);
    CommandResult partial = new CommandResult(null, null, "out", "err", 3, 3, false, false, 1000);
    ApplicationFailure timeout =
        SshFailures.toApplicationFailure(new SshCommandTimeoutException("too slow", partial));
    assertEquals("SshCommandTimeout", timeout.getType());
    assertFalse(timeout.isNonRetryable());
    assertTrue(
        timeout.getDetails().get(CommandResult.class).stderrTail().equals("err"),
        "the partial output travels as failure details");
  }
}
