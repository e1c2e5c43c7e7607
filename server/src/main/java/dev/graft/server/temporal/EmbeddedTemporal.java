package dev.graft.server.temporal;

import io.dropwizard.lifecycle.Managed;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.temporal.internal.testservice.GRPCServerHelper;
import io.temporal.internal.testservice.TestServicesStarter;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded Temporal of {@code graft dev}: Temporal's Java test server, in memory only.
 *
 * <p>The test server's own {@code main} binds every interface; this starts the same services on a
 * Netty server bound to one address (127.0.0.1 by default), so a laptop in a café does not expose
 * an unauthenticated Temporal frontend. Nothing survives a restart.
 */
public final class EmbeddedTemporal implements Managed {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedTemporal.class);

  private final String bindHost;
  private final int port;
  private TestServicesStarter services;
  private Server server;

  public EmbeddedTemporal(String bindHost, int port) {
    this.bindHost = bindHost;
    this.port = port;
  }

  @Override
  public synchronized void start() throws Exception {
    if (server != null) {
      return;
    }
    // lockTimeSkipping = true: the dev server runs on wall-clock time, like a real Temporal.
    services = new TestServicesStarter(true, 0);
    NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress(bindHost, port));
    GRPCServerHelper.registerServicesAndHealthChecks(services.getServices(), builder);
    try {
      server = builder.build().start();
    } catch (Exception e) {
      services.close();
      services = null;
      throw e;
    }
    LOG.info("embedded Temporal listening on {}:{} (in memory only)", bindHost, port);
  }

  @Override
  public synchronized void stop() throws Exception {
    if (server != null) {
      server.shutdown();
      if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
      }
      server = null;
    }
    if (services != null) {
      services.close();
      services = null;
    }
  }

  public String target() {
    return bindHost + ":" + port;
  }
}
