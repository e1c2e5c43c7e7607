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
 * an unauthenticated Temporal frontend. Nothing survives a restart. Workflows are not pinned to one
 * worker's sticky queue ({@link NoStickyQueues}), so a separate worker process that dies can be
 * replaced by another, as with a real Temporal.
 */
public final class EmbeddedTemporal implements Managed {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedTemporal.class);

  private final String bindHost;
  private final int port;
  private final TemporalSettings clientSettings;
  private TestServicesStarter services;
  private Server server;

  /**
   * @param port the port to bind; 0 picks a free one, and {@code clientSettings.target} is then
   *     updated on start, before the Temporal clients (managed after this object) connect.
   */
  public EmbeddedTemporal(String bindHost, int port, TemporalSettings clientSettings) {
    this.bindHost = bindHost;
    this.port = port;
    this.clientSettings = clientSettings;
    clientSettings.setTarget(bindHost + ":" + port);
  }

  @Override
  public synchronized void start() throws Exception {
    if (server != null) {
      return;
    }
    // lockTimeSkipping = true: the dev server runs on wall-clock time, like a real Temporal.
    services = new TestServicesStarter(true, 0);
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(new InetSocketAddress(bindHost, port));
    GRPCServerHelper.registerServicesAndHealthChecks(services.getServices(), builder);
    // The test server never times out a sticky queue: without this, a killed worker's workflows
    // could not be resumed by another worker (see NoStickyQueues).
    builder.intercept(new NoStickyQueues());
    try {
      server = builder.build().start();
    } catch (Exception e) {
      services.close();
      services = null;
      throw e;
    }
    clientSettings.setTarget(target());
    LOG.info("embedded Temporal listening on {} (in memory only)", target());
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

  /** host:port this server listens on (the actual port once started). */
  public synchronized String target() {
    return bindHost + ":" + (server != null ? server.getPort() : port);
  }
}
