package dev.graft.activities.etcd;

import dev.graft.workflows.plan.EtcdMember;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.cluster.Member;
import io.etcd.jetcd.maintenance.AlarmMember;
import io.etcd.jetcd.maintenance.StatusResponse;
import java.io.File;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/**
 * Reads etcd's member list and each member's health. "Healthy" means: its status answered within
 * the timeout, it sees a leader, it reports no error and no alarm names it. A learner fails etcd's
 * {@code /health} by design, so health here comes from the member status, which learners answer.
 */
public final class EtcdMemberReader {
  private final Client client;
  private final Duration timeout;

  public EtcdMemberReader(Client client, Duration timeout) {
    this.client = client;
    this.timeout = timeout;
  }

  /** A client with bounded connects and no retries of its own (Temporal owns retries). */
  public static Client client(List<String> endpoints, EtcdTls tls, Duration timeout)
      throws SSLException {
    ClientBuilder b =
        Client.builder()
            .endpoints(endpoints.toArray(String[]::new))
            .connectTimeout(timeout)
            .retryMaxAttempts(0)
            .retryMaxDuration(timeout)
            .keepaliveTimeout(timeout)
            .waitForReady(false);
    if (tls.enabled()) {
      b.sslContext(
          ssl -> {
            if (tls.caCert() != null) {
              ssl.trustManager(new File(tls.caCert()));
            }
            if (tls.clientCert() != null && tls.clientKey() != null) {
              ssl.keyManager(new File(tls.clientCert()), new File(tls.clientKey()));
            }
          });
    }
    return b.build();
  }

  public List<EtcdMember> readMembers() throws EtcdReadException {
    List<Member> members = get(client.getClusterClient().listMember(), "member list").getMembers();
    Set<Long> alarmed = new HashSet<>();
    for (AlarmMember a :
        get(client.getMaintenanceClient().listAlarms(), "alarm list").getAlarms()) {
      alarmed.add(a.getMemberId());
    }
    List<EtcdMember> out = new ArrayList<>();
    for (Member m : members) {
      String peer = m.getPeerURIs().isEmpty() ? null : m.getPeerURIs().get(0).toString();
      boolean started =
          m.getName() != null && !m.getName().isEmpty() && !m.getClientURIs().isEmpty();
      boolean healthy = started && !alarmed.contains(m.getId()) && answers(m.getClientURIs());
      out.add(
          new EtcdMember(m.getName(), Long.toHexString(m.getId()), peer, healthy, m.isLearner()));
    }
    return out;
  }

  private boolean answers(List<URI> clientUrls) {
    for (URI u : clientUrls) {
      try {
        StatusResponse s =
            client
                .getMaintenanceClient()
                .statusMember(u.toString())
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (s.getLeader() != 0 && s.getErrorList().isEmpty()) {
          return true;
        }
      } catch (ExecutionException | TimeoutException e) {
        // this URL does not answer; another client URL of the member may
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return false;
  }

  private <T> T get(CompletableFuture<T> f, String what) throws EtcdReadException {
    try {
      return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      f.cancel(true);
      throw new EtcdReadException("etcd " + what + ": no answer within " + timeout, e);
    } catch (ExecutionException e) {
      throw new EtcdReadException("etcd " + what + ": " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EtcdReadException("etcd " + what + ": interrupted", e);
    }
  }
}
