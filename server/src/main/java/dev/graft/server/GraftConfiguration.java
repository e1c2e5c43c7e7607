package dev.graft.server;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.graft.server.temporal.TemporalSettings;
import io.dropwizard.core.Configuration;
import io.dropwizard.core.server.DefaultServerFactory;
import io.dropwizard.jetty.ConnectorFactory;
import io.dropwizard.jetty.HttpConnectorFactory;
import io.dropwizard.logging.common.AppenderFactory;
import io.dropwizard.logging.common.ConsoleAppenderFactory;
import io.dropwizard.logging.common.DefaultLoggingFactory;
import io.dropwizard.logging.common.FileAppenderFactory;
import io.dropwizard.logging.common.LoggingFactory;
import io.dropwizard.logging.common.layout.DiscoverableLayoutFactory;
import io.dropwizard.logging.json.EventJsonLayoutBaseFactory;
import io.dropwizard.validation.ValidationMethod;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/** Graft's configuration: Dropwizard's server and logging, plus Temporal and dev settings. */
public class GraftConfiguration extends Configuration {
  /** Set by the command ({@code server}, {@code worker}, {@code dev}); a config file may preset it. */
  @NotNull @JsonProperty private Mode mode = Mode.SERVER;

  @Valid @NotNull @JsonProperty private TemporalSettings temporal = new TemporalSettings();

  @Valid @NotNull @JsonProperty private DevSettings dev = new DevSettings();

  @Valid @NotNull @JsonProperty
  private dev.graft.server.auth.AuthSettings auth = new dev.graft.server.auth.AuthSettings();

  @Valid @NotNull @JsonProperty
  private dev.graft.server.operations.OperationSettings operations =
      new dev.graft.server.operations.OperationSettings();

  /** {@code text} for people, {@code json} for log pipelines (one JSON object per line). */
  @NotNull @JsonProperty private LogFormat logFormat = LogFormat.TEXT;

  public enum LogFormat {
    TEXT,
    JSON;

    @com.fasterxml.jackson.annotation.JsonCreator
    public static LogFormat parse(String value) {
      return LogFormat.valueOf(value.trim().toUpperCase(java.util.Locale.ROOT));
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

  public dev.graft.server.auth.AuthSettings getAuth() {
    return auth;
  }

  public dev.graft.server.operations.OperationSettings getOperations() {
    return operations;
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
    return (DiscoverableLayoutFactory) new EventJsonLayoutBaseFactory();
  }

  /** The admin connector exposes health checks, metrics and thread dumps: loopback only. */
  @JsonIgnore
  @ValidationMethod(
      message = "server.adminConnectors must bind 127.0.0.1 (or another loopback address) only")
  public boolean isAdminOnLoopback() {
    if (!(getServerFactory() instanceof DefaultServerFactory server)) {
      return true;
    }
    for (ConnectorFactory connector : server.getAdminConnectors()) {
      if (!(connector instanceof HttpConnectorFactory http) || !isLoopback(http.getBindHost())) {
        return false;
      }
    }
    return true;
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
