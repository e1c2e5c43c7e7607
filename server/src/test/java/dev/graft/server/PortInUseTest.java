package dev.graft.server;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dropwizard.core.cli.Cli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A second {@code graft dev} on taken ports fails with one clear sentence, not a stack trace. */
class PortInUseTest {
  @Test
  void devOnATakenPortSaysPortInUseWithoutAStackTrace(@TempDir Path dir) throws Exception {
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress("127.0.0.1", 0));
      int port = taken.getLocalPort();
      Path config = dir.resolve("dev.yml");
      Files.writeString(
          config,
          String.join(
              "\n",
              "mode: dev",
              "dev: {temporalPort: 0}",
              "server:",
              "  applicationConnectors: [{type: http, bindHost: 127.0.0.1, port: " + port + "}]",
              "  adminConnectors: [{type: http, bindHost: 127.0.0.1, port: 0}]",
              ""));

      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      Cli cli =
          new GraftApplication()
              .cli(
                  new PrintStream(out, true, StandardCharsets.UTF_8),
                  new PrintStream(err, true, StandardCharsets.UTF_8));
      Optional<Throwable> failure = cli.run("dev", config.toString());

      String stderr = err.toString(StandardCharsets.UTF_8);
      assertTrue(failure.isPresent(), "dev must fail when its port is taken");
      assertTrue(stderr.contains("port in use: 127.0.0.1:" + port), stderr);
      assertFalse(stderr.contains("\tat "), "no stack trace expected:\n" + stderr);
      assertFalse(out.toString(StandardCharsets.UTF_8).contains("Graft dev:"), "nothing started");
    }
  }

  @Test
  void adminConnectorOffLoopbackIsRefused(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("bad.yml");
    Files.writeString(
        config, "server:\n  adminConnectors: [{type: http, bindHost: 0.0.0.0, port: 0}]\n");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Cli cli =
        new GraftApplication()
            .cli(
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    Optional<Throwable> failure = cli.run("check", config.toString());
    assertTrue(failure.isPresent());
    assertTrue(
        err.toString(StandardCharsets.UTF_8).contains("adminConnectors must bind 127.0.0.1"),
        err.toString(StandardCharsets.UTF_8));
  }
}
