package dev.graft.activities.etcd;

/**
 * Paths of the files an etcd client presents (references from the inventory). All null means plain
 * http endpoints.
 */
public record EtcdTls(String caCert, String clientCert, String clientKey) {
  public static final EtcdTls NONE = new EtcdTls(null, null, null);

  public boolean enabled() {
    return caCert != null || clientCert != null;
  }
}
