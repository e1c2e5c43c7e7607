package dev.graft.lab.standin;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.TrustManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Terminates TLS for the API stand-in with a serving certificate issued by the cluster CA, as
 * kube-apiserver does on :6443, and pipes the bytes to the mock server's plain-HTTP port on
 * loopback. The mock server's own HTTPS mode cannot be used: it makes a self-signed certificate
 * valid for localhost only, which no kubeconfig built on the cluster CA would trust. Client
 * certificates are requested, not required, and not used for authorization (see docs/standins.md).
 */
final class TlsFront implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TlsFront.class);

  private final SSLServerSocket server;
  private final InetSocketAddress backend;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final Thread acceptor;
  private volatile boolean closed;

  TlsFront(InetAddress bind, int port, CertKey serving, CertKey ca, InetSocketAddress backend)
      throws IOException {
    this.backend = backend;
    try {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      char[] pw = "lab".toCharArray();
      ks.setKeyEntry("apiserver", serving.key(), pw, new Certificate[] {serving.cert(), ca.cert()});
      KeyManagerFactory kmf =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, pw);
      KeyStore ts = KeyStore.getInstance("PKCS12");
      ts.load(null, null);
      ts.setCertificateEntry("ca", ca.cert());
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ts);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
      server = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket(port, 128, bind);
      server.setWantClientAuth(true);
    } catch (IOException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("cannot set up TLS for the API stand-in", e);
    }
    acceptor = new Thread(this::acceptLoop, "api-standin-tls-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  int port() {
    return server.getLocalPort();
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        Socket client = server.accept();
        Thread t = new Thread(() -> serve(client), "api-standin-tls-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        if (!closed) {
          LOG.warn("API stand-in TLS accept failed: {}", e.toString());
        }
      }
    }
  }

  private void serve(Socket client) {
    open.add(client);
    try (Socket up = new Socket()) {
      open.add(up);
      up.connect(backend, 5_000);
      up.setTcpNoDelay(true);
      client.setTcpNoDelay(true);
      Thread back = new Thread(() -> pump(up, client, true), "api-standin-tls-pump");
      back.setDaemon(true);
      back.start();
      pump(client, up, false);
      back.join(10_000);
    } catch (IOException | InterruptedException e) {
      LOG.debug("API stand-in connection ended: {}", e.toString());
    } finally {
      open.remove(client);
      closeQuietly(client);
    }
  }

  /**
   * Copies bytes one way. Answers ({@code answers}: mock to client) marked with {@link
   * ApiStandinDispatcher#CLOSE_HEADER} are not delivered: the connection is closed where the marked
   * answer begins, as an API server or load balancer that drops it would.
   */
  private void pump(Socket from, Socket to, boolean answers) {
    byte[] buf = new byte[16 * 1024];
    try {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      int n;
      while ((n = in.read(buf)) >= 0) {
        int marked = answers ? indexOf(buf, n, CLOSE_MARK) : -1;
        if (marked >= 0) {
          int head = lastIndexOf(buf, marked, STATUS_LINE);
          if (head > 0) {
            out.write(buf, 0, head);
            out.flush();
          }
          LOG.debug("API stand-in: closing a connection (injected fault)");
          return;
        }
        out.write(buf, 0, n);
        out.flush();
      }
    } catch (SocketException e) {
      // The other side closed: normal end of a connection or a watch.
    } catch (IOException e) {
      LOG.debug("API stand-in pipe: {}", e.toString());
    } finally {
      // Half-close would be kinder, but SSLSocket does not support shutdownOutput.
      closeQuietly(to);
      closeQuietly(from);
      open.remove(from);
      open.remove(to);
    }
  }

  private static final byte[] CLOSE_MARK =
      (ApiStandinDispatcher.CLOSE_HEADER + ": close").getBytes(StandardCharsets.US_ASCII);
  private static final byte[] STATUS_LINE = "HTTP/1.1 ".getBytes(StandardCharsets.US_ASCII);

  /**
   * Where {@code what} begins in the first {@code length} bytes, ASCII case ignored (header names).
   */
  static int indexOf(byte[] buf, int length, byte[] what) {
    outer:
    for (int i = 0; i + what.length <= length; i++) {
      for (int j = 0; j < what.length; j++) {
        if (Character.toLowerCase(buf[i + j]) != Character.toLowerCase(what[j])) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  static int lastIndexOf(byte[] buf, int before, byte[] what) {
    outer:
    for (int i = before - what.length; i >= 0; i--) {
      for (int j = 0; j < what.length; j++) {
        if (buf[i + j] != what[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  @Override
  public void close() {
    closed = true;
    closeQuietly(server);
    for (Socket s : open) {
      closeQuietly(s);
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      // Closing on shutdown; nothing left to do with the error.
    }
  }
}
