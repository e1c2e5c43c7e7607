package dev.graft.server.operations;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * HTTP/1.1 over a plain socket, for what java.net.http will not send: a foreign {@code Host}
 * header, a declared length the body never reaches, a chunked body that goes on and on. One request
 * per connection; the body is written on its own thread, so a server that answers before reading it
 * all (413) is seen answering.
 */
final class RawHttp {
  record Answer(int status, Map<String, String> headers, String body, long millis) {}

  /** A body source: writes to the socket until done or the server stops reading. */
  interface Body {
    void write(OutputStream out) throws IOException;
  }

  private RawHttp() {}

  static Answer send(int port, String head, Body body) throws IOException {
    long t0 = System.nanoTime();
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(20_000);
      OutputStream out = s.getOutputStream();
      out.write(head.replace("\n", "\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      Thread writer = null;
      if (body != null) {
        writer =
            new Thread(
                () -> {
                  try {
                    body.write(out);
                    out.flush();
                  } catch (IOException serverStoppedReading) {
                    // expected when the server answers early and closes
                  }
                },
                "raw-http-body");
        writer.setDaemon(true);
        writer.start();
      }
      Answer a = read(s.getInputStream(), t0);
      if (writer != null) {
        writer.interrupt();
      }
      return a;
    }
  }

  private static Answer read(InputStream in, long t0) throws IOException {
    String status = line(in);
    long millis = (System.nanoTime() - t0) / 1_000_000;
    Map<String, String> headers = new TreeMap<>();
    for (String l = line(in); !l.isEmpty(); l = line(in)) {
      int colon = l.indexOf(':');
      headers.put(
          l.substring(0, colon).trim().toLowerCase(Locale.ROOT), l.substring(colon + 1).trim());
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    String length = headers.get("content-length");
    if (length != null) {
      body.write(in.readNBytes(Integer.parseInt(length)));
    } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      for (int n = Integer.parseInt(line(in).trim(), 16);
          n > 0;
          n = Integer.parseInt(line(in).trim(), 16)) {
        body.write(in.readNBytes(n));
        line(in);
      }
    }
    return new Answer(
        Integer.parseInt(status.split(" ")[1]),
        headers,
        body.toString(StandardCharsets.UTF_8),
        millis);
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder b = new StringBuilder();
    for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
      if (c != '\r') {
        b.append((char) c);
      }
    }
    return b.toString();
  }
}
