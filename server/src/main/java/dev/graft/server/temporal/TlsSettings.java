package dev.graft.server.temporal;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * TLS towards Temporal (mutual TLS as Temporal Cloud and most self-hosted clusters use it). Paths
 * point at PEM files the server process can read; the key never leaves this process.
 */
public class TlsSettings {
  @JsonProperty private boolean enabled = false;

  /** Client certificate chain, PEM. */
  @JsonProperty private String clientCertPath;

  /** Client private key, PKCS#8 PEM. */
  @JsonProperty private String clientKeyPath;

  /** CA bundle that signed the server's certificate, PEM; the JVM's trust store when empty. */
  @JsonProperty private String caCertPath;

  /** Overrides the name checked against the server's certificate (SNI / authority). */
  @JsonProperty private String serverName;

  public boolean isEnabled() {
    return enabled;
  }

  public String getClientCertPath() {
    return clientCertPath;
  }

  public String getClientKeyPath() {
    return clientKeyPath;
  }

  public String getCaCertPath() {
    return caCertPath;
  }

  public String getServerName() {
    return serverName;
  }
}
