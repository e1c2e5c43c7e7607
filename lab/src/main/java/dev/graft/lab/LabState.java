package dev.graft.lab;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The lab's state file ({@code <stateDir>/lab.json}): everything `lab status` and `lab down` in
 * another process need. Paths are absolute. {@code owner} is the JVM that created the lab (for
 * in-process labs, the process serving the hosts). {@code kubeconfig} and {@code etcdEndpoints} are
 * filled by the bootstrap; until then the kubeconfig path is where it will be written.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record LabState(
    int version,
    String id,
    LabKind kind,
    String stateDir,
    String createdAt,
    String bridge,
    String subnet,
    String gateway,
    PidRef owner,
    String clusterName,
    String apiEndpoint,
    String clientKey,
    String clientPublicKey,
    String knownHosts,
    String inventoryYaml,
    String inventoryIni,
    String kubeconfig,
    List<String> etcdEndpoints,
    List<HostState> hosts,
    BootstrapState bootstrap) {

  public static final String FILE = "lab.json";
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public static Path file(Path stateDir) {
    return stateDir.resolve(FILE);
  }

  public static LabState read(Path stateDir) throws IOException {
    return JSON.readValue(file(stateDir).toFile(), LabState.class);
  }

  /** Writes atomically (temp file + rename) so a concurrent reader never sees half a file. */
  public void write() throws IOException {
    Path dir = Path.of(stateDir);
    Path tmp = dir.resolve(FILE + ".tmp");
    JSON.writeValue(tmp.toFile(), this);
    Files.move(tmp, file(dir), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  public String toJson() {
    try {
      return JSON.writeValueAsString(this);
    } catch (IOException e) {
      throw new LabException("cannot render lab state", e);
    }
  }

  public HostState host(String name) {
    return hosts.stream()
        .filter(h -> h.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new LabException("no host '" + name + "' in lab " + id));
  }

  /**
   * A lab just created, its files under {@code dir}: no network, API endpoint, hosts or bootstrap
   * yet.
   */
  public static LabState created(
      int version,
      String id,
      LabKind kind,
      Path dir,
      String createdAt,
      PidRef owner,
      String clusterName,
      Path clientKey) {
    return new LabState(
        version,
        id,
        kind,
        dir.toString(),
        createdAt,
        null,
        null,
        null,
        owner,
        clusterName,
        null,
        clientKey.toString(),
        clientKey + ".pub",
        dir.resolve("known_hosts").toString(),
        dir.resolve("inventory.yaml").toString(),
        dir.resolve("inventory.ini").toString(),
        dir.resolve("kubeconfig").resolve("admin.conf").toString(),
        List.of(),
        List.of(),
        null);
  }

  /**
   * The state once the lab's network is up: a bridge, its subnet and gateway, and the API's
   * endpoint on it.
   */
  public LabState withNetwork(String bridge, String subnet, String gateway, String api) {
    return with(bridge, subnet, gateway, api, kubeconfig, etcdEndpoints, hosts, bootstrap);
  }

  /** The state of an in-process lab: no bridge, every host and the API on the loopback. */
  public LabState withLoopbackApi(String api) {
    return withNetwork(null, null, null, api);
  }

  /** The state with these hosts on record. */
  public LabState withHosts(List<HostState> recorded) {
    return with(
        bridge,
        subnet,
        gateway,
        apiEndpoint,
        kubeconfig,
        etcdEndpoints,
        List.copyOf(recorded),
        bootstrap);
  }

  /** The state after a bootstrap: API endpoint, admin kubeconfig, etcd endpoints and TLS files. */
  public LabState withBootstrap(
      String api, String kubeconfigPath, List<String> endpoints, BootstrapState b) {
    return with(bridge, subnet, gateway, api, kubeconfigPath, List.copyOf(endpoints), hosts, b);
  }

  /** The same lab (its identity and files) with these network, API, cluster and host parts. */
  private LabState with(
      String bridge,
      String subnet,
      String gateway,
      String api,
      String kubeconfigPath,
      List<String> endpoints,
      List<HostState> recorded,
      BootstrapState b) {
    return new LabState(
        version,
        id,
        kind,
        stateDir,
        createdAt,
        bridge,
        subnet,
        gateway,
        owner,
        clusterName,
        api,
        clientKey,
        clientPublicKey,
        knownHosts,
        inventoryYaml,
        inventoryIni,
        kubeconfigPath,
        endpoints,
        recorded,
        b);
  }
}
