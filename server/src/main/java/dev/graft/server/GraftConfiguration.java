package dev.graft.server;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.graft.server.audit.AuditSettings;
import dev.graft.server.auth.AuthSettings;
import dev.graft.server.cli.ConfigSourceProvider;
import dev.graft.server.operations.OperationSettings;
import dev.graft.server.security.HttpSettings;
import dev.graft.server.security.PathSettings;
import dev.graft.server.temporal.TemporalSettings;
import io.dropwizard.core.Configuration;
import io.dropwizard.core.server.DefaultServerFactory;
import io.dropwizard.core.server.SimpleServerFactory;
import io.dropwizard.jetty.ConnectorFactory;
import io.dropwizard.jetty.HttpConnectorFactory;
import io.dropwizard.logging.common.AppenderFactory;
import io.dropwizard.logging.common.ConsoleAppenderFactory;
import io.dropwizard.logging.common.DefaultLoggingFactory;
import io.dropwizard.logging.common.FileAppenderFactory;
import io.dropwizard.logging.common.LoggingFactory;
import io.dropwizard.logging.common.layout.DiscoverableLayoutFactory;
import io.dropwizard.logging.json.EventJsonLayoutBaseFactory;
import io.dropwizard.util.Duration;
import io.dropwizard.validation.ValidationMethod;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Graft's configuration: Dropwizard's server and logging, plus Temporal and dev settings. */
public class GraftConfiguration extends Configuration {
  /**
   * Set by the command ({@code server}, {@code worker}, {@code dev}); a config file may preset it.
   */
  @NotNull @JsonProperty private Mode mode = Mode.SERVER;

  @Valid @NotNull @JsonProperty private TemporalSettings temporal = new TemporalSettings();

  @Valid @NotNull @JsonProperty private DevSettings dev = new DevSettings();

  @Valid @NotNull @JsonProperty private AuthSettings auth = new AuthSettings();

  @Valid @NotNull @JsonProperty private OperationSettings operations = new OperationSettings();

  @Valid @NotNull @JsonProperty private HttpSettings http = new HttpSettings();

  @Valid @NotNull @JsonProperty private PathSettings paths = new PathSettings();

  @Valid @NotNull @JsonProperty private AuditSettings audit = new AuditSettings();

  /**
   * How often the server reads every operation for the operation gauges (docs/observability.md).
   */
  @NotNull @JsonProperty private Duration operationMetricsInterval = Duration.seconds(15);

  /** The configuration file's directory, when it came from a file (not from the classpath). */
  @JsonIgnore private Path configDir;

  /** {@code text} for people, {@code json} for log pipelines (one JSON object per line). */
  @NotNull @JsonProperty private LogFormat logFormat = LogFormat.TEXT;

  public enum LogFormat {
    TEXT,
    JSON;

    @JsonCreator
    public static LogFormat parse(String value) {
      return LogFormat.valueOf(value.trim().toUpperCase(Locale.ROOT));
    }
  }

  public Mode getMode() {
    return mode;
  }

  public void setMode(Mode mode) {
    this.mode = mode;
  }

  public TemporalSettings getTemporal() {
    return temporal;
  }

  public DevSettings getDev() {
    return dev;
  }

  public AuthSettings getAuth() {
    return auth;
  }

  public OperationSettings getOperations() {
    return operations;
  }

  public HttpSettings getHttp() {
    return http;
  }

  public PathSettings getPaths() {
    return paths;
  }

  public AuditSettings getAudit() {
    return audit;
  }

  public Duration getOperationMetricsInterval() {
    return operationMetricsInterval;
  }

  @JsonIgnore
  public Path getConfigDir() {
    return configDir;
  }

  /** Called by the commands with the file they read ({@code classpath:} ones have no directory). */
  public void setConfigFile(String file) {
    if (file != null && !file.startsWith(ConfigSourceProvider.CLASSPATH)) {
      Path dir = Path.of(file).toAbsolutePath().getParent();
      this.configDir = dir;
    }
  }

  public LogFormat getLogFormat() {
    return logFormat;
  }

  /** Switches every console and file appender to JSON lines when {@code logFormat: json}. */
  @Override
  @JsonProperty("logging")
  public synchronized LoggingFactory getLoggingFactory() {
    LoggingFactory factory = super.getLoggingFactory();
    if (logFormat == LogFormat.JSON && factory instanceof DefaultLoggingFactory defaults) {
      for (AppenderFactory<?> appender : defaults.getAppenders()) {
        if (appender instanceof ConsoleAppenderFactory<?> console) {
          console.setLayout(jsonLayout());
        } else if (appender instanceof FileAppenderFactory<?> file) {
          file.setLayout(jsonLayout());
        }
      }
    }
    return factory;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static DiscoverableLayoutFactory jsonLayout() {
    // The JSON layout is typed for ILoggingEvent, the appenders' element type is a wildcard.
    // The logging context (operation, cluster, node, step, attempt) goes in as top-level fields.
    EventJsonLayoutBaseFactory layout = new EventJsonLayoutBaseFactory();
    layout.setFlattenMdc(true);
    return (DiscoverableLayoutFactory) layout;
  }

  /**
   * The admin endpoints (health checks, metrics, thread dumps, the log-level task) have no
   * authentication, so whatever serves them must bind loopback only. With the default server
   * factory that is the admin connectors; the simple factory serves them on its one connector
   * (under {@code /admin}), so that connector must be loopback too, API included. Any other factory
   * is refused: Graft cannot tell where it would serve them.
   */
  @JsonIgnore
  @ValidationMethod(
      message =
          "server.adminConnectors must bind 127.0.0.1 (or another loopback address) only;"
              + " with server.type: simple, server.connector must, as it serves them under /admin;"
              + " other server types are refused: the admin endpoints answer without a token")
  public boolean isAdminOnLoopback() {
    List<ConnectorFactory> admin;
    if (getServerFactory() instanceof DefaultServerFactory server) {
      admin = server.getAdminConnectors();
    } else if (getServerFactory() instanceof SimpleServerFactory simple) {
      admin = simple.getConnector() == null ? List.of() : List.of(simple.getConnector());
    } else {
      return false;
    }
    for (ConnectorFactory connector : admin) {
      if (!(connector instanceof HttpConnectorFactory http) || !isLoopback(http.getBindHost())) {
        return false;
      }
    }
    return true;
  }

  /** The bind hosts of the connectors that serve the API and UI (null: every interface). */
  @JsonIgnore
  public List<String> applicationBindHosts() {
    List<String> out = new ArrayList<>();
    List<ConnectorFactory> connectors =
        getServerFactory() instanceof DefaultServerFactory server
            ? server.getApplicationConnectors()
            : getServerFactory() instanceof SimpleServerFactory simple
                    && simple.getConnector() != null
                ? List.of(simple.getConnector())
                : List.of();
    for (ConnectorFactory c : connectors) {
      out.add(c instanceof HttpConnectorFactory http ? http.getBindHost() : null);
    }
    return out;
  }

  private static boolean isLoopback(String host) {
    if (host == null || host.isBlank()) {
      return false; // Jetty binds every interface when bindHost is empty.
    }
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /** Every host:port this configuration's HTTP connectors will bind. */
  @JsonIgnore
  public List<String> httpBindings() {
    List<String> out = new ArrayList<>();
    if (getServerFactory() instanceof DefaultServerFactory server) {
      for (ConnectorFactory c : server.getApplicationConnectors()) {
        if (c instanceof HttpConnectorFactory http) {
          out.add(host(http) + ":" + http.getPort());
        }
      }
      for (ConnectorFactory c : server.getAdminConnectors()) {
        if (c instanceof HttpConnectorFactory http) {
          out.add(host(http) + ":" + http.getPort());
        }
      }
    }
    return out;
  }

  private static String host(HttpConnectorFactory http) {
    return http.getBindHost() == null ? "0.0.0.0" : http.getBindHost();
  }
}
