package dev.graft.server.security;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;

/**
 * In front of the whole application context (API and UI), before authentication, in dev as in
 * production:
 *
 * <ol>
 *   <li>the {@code Host} header must name this server ({@link AllowedHosts}): after a DNS rebinding
 *       a page is same-origin with the API under a foreign name, and that name is all that gives it
 *       away (421);
 *   <li>a request that may change something (every method but GET, HEAD and OPTIONS) must not come
 *       from another site: its {@code Origin}, when a browser sends one, must be this server's own,
 *       and {@code Sec-Fetch-Site} must be {@code same-origin} or {@code none} (403). The CLI and
 *       curl send neither;
 *   <li>its body must be one a page on another site cannot send without a CORS preflight, which
 *       Graft never grants: {@code Content-Type: application/json} on every POST but {@code
 *       /plans}, which takes inventories as text and is read-only (415). A POST with no
 *       Content-Type at all, which is what {@code fetch} sends for a Blob body, is refused
 *       everywhere;
 *   <li>its body is read here, bounded ({@link #MAX_BODY}, 413 as soon as it is exceeded, before
 *       the rest is read), and must be text in a charset the JVM knows (415) and, when that is
 *       UTF-8, valid UTF-8 (400), so the CLI and the API agree on what a file says.
 * </ol>
 */
public final class RequestGuard implements Filter {
  /** An inventory may be 4 MiB; as a JSON string with escapes it may grow a little. */
  public static final int MAX_BODY = 6 * 1024 * 1024;

  private static final Set<String> SAFE = Set.of("GET", "HEAD", "OPTIONS");
  private static final String PLANS = "/api/v1/plans";
  private final AllowedHosts hosts;

  public RequestGuard(AllowedHosts hosts) {
    this.hosts = hosts;
  }

  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    HttpServletRequest request = (HttpServletRequest) req;
    HttpServletResponse response = (HttpServletResponse) res;
    String host = request.getHeader("Host");
    // HTTP/1.0 may omit Host; browsers never do, so such a request is no rebinding.
    if (host != null && !hosts.allows(host)) {
      refuse(
          response,
          421,
          "this server does not answer to the host name in the Host header;"
              + " add it to http.allowedHosts if clients reach the server under it");
      return;
    }
    if (SAFE.contains(request.getMethod().toUpperCase(Locale.ROOT))) {
      chain.doFilter(req, res);
      return;
    }
    String site = request.getHeader("Sec-Fetch-Site");
    if (site != null && !"same-origin".equalsIgnoreCase(site) && !"none".equalsIgnoreCase(site)) {
      refuse(
          response,
          403,
          "cross-site requests may not change anything (Sec-Fetch-Site: " + clip(site) + ")");
      return;
    }
    String origin = request.getHeader("Origin");
    if (origin != null && !sameOrigin(origin, host)) {
      refuse(
          response,
          403,
          "cross-site requests may not change anything (Origin is not this" + " server)");
      return;
    }
    String path = request.getRequestURI();
    // The raw header: Jetty's getContentType() throws on a charset it does not know.
    String type = request.getHeader("Content-Type");
    if (path.startsWith("/api/")) {
      String mime = type == null ? "" : type.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
      boolean json = "application/json".equals(mime);
      if (mime.isEmpty()) {
        refuse(
            response,
            415,
            "send a Content-Type (application/json"
                + (path.startsWith(PLANS) ? ", or the inventory's type" : "")
                + ")");
        return;
      }
      if (!json && !path.startsWith(PLANS)) {
        refuse(response, 415, "send Content-Type: application/json");
        return;
      }
    }
    Charset charset;
    try {
      String name = charsetOf(type);
      charset = name == null ? StandardCharsets.UTF_8 : Charset.forName(name);
    } catch (IllegalArgumentException e) {
      refuse(
          response,
          415,
          "the charset of the Content-Type is not one this server reads;" + " send UTF-8");
      return;
    }
    long declared = request.getContentLengthLong();
    if (declared > MAX_BODY) {
      refuse(response, 413, "the body is larger than " + MAX_BODY / (1024 * 1024) + " MiB");
      return;
    }
    byte[] body = readBounded(request.getInputStream());
    if (body == null) {
      refuse(response, 413, "the body is larger than " + MAX_BODY / (1024 * 1024) + " MiB");
      return;
    }
    if (charset.equals(StandardCharsets.UTF_8) && !isUtf8(body)) {
      refuse(response, 400, "the body is not UTF-8 text");
      return;
    }
    chain.doFilter(new Buffered(request, body, charset), res);
  }

  /** The charset parameter of a Content-Type, unquoted, or null. */
  static String charsetOf(String contentType) {
    if (contentType == null) {
      return null;
    }
    for (String param : contentType.split(";")) {
      String p = param.trim();
      if (p.regionMatches(true, 0, "charset=", 0, 8)) {
        String v = p.substring(8).trim();
        return v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")
            ? v.substring(1, v.length() - 1)
            : v;
      }
    }
    return null;
  }

  /** The body, or null when it is longer than {@link #MAX_BODY} (no more is read then). */
  private static byte[] readBounded(InputStream in) throws IOException {
    byte[] out = in.readNBytes(MAX_BODY);
    if (out.length == MAX_BODY && in.read() >= 0) {
      return null;
    }
    return out;
  }

  private static boolean isUtf8(byte[] bytes) {
    try {
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  /** Whether an Origin header names the scheme-less authority the Host header names. */
  static boolean sameOrigin(String origin, String host) {
    if (host == null) {
      return false;
    }
    try {
      URI o = URI.create(origin.trim());
      if (o.getHost() == null || !("http".equals(o.getScheme()) || "https".equals(o.getScheme()))) {
        return false; // "null" (sandboxed frames, file:), or something stranger
      }
      int port = o.getPort() >= 0 ? o.getPort() : "https".equals(o.getScheme()) ? 443 : 80;
      String h = host.trim().toLowerCase(Locale.ROOT);
      int hostPort;
      String hostName = AllowedHosts.hostOf(h);
      int colon = h.lastIndexOf(':');
      if (colon > h.lastIndexOf(']') && colon >= 0) {
        hostPort = Integer.parseInt(h.substring(colon + 1));
      } else {
        hostPort = port; // no port in Host: the default of the scheme the page used
      }
      return AllowedHosts.normalize(o.getHost()).equals(hostName) && port == hostPort;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static String clip(String s) {
    String t = s.replaceAll("[^A-Za-z0-9-]", "?");
    return t.length() > 40 ? t.substring(0, 40) : t;
  }

  private static void refuse(HttpServletResponse response, int status, String message)
      throws IOException {
    response.setStatus(status);
    response.setContentType("application/json");
    response.setCharacterEncoding("UTF-8");
    // Whatever of the body was not read stays unread: close instead of parsing it as a request.
    response.setHeader("Connection", "close");
    response
        .getWriter()
        .write(
            "{\"error\":\""
                + message.replace("\\", "\\\\").replace("\"", "\\\"")
                + "\",\"errors\":[]}");
  }

  /** The request with its body read once, here, and served from memory to Jersey. */
  private static final class Buffered extends HttpServletRequestWrapper {
    private final byte[] body;
    private final Charset charset;

    Buffered(HttpServletRequest request, byte[] body, Charset charset) {
      super(request);
      this.body = body;
      this.charset = charset;
    }

    @Override
    public ServletInputStream getInputStream() {
      ByteArrayInputStream in = new ByteArrayInputStream(body);
      return new ServletInputStream() {
        @Override
        public boolean isFinished() {
          return in.available() == 0;
        }

        @Override
        public boolean isReady() {
          return true;
        }

        @Override
        public void setReadListener(ReadListener listener) {
          throw new UnsupportedOperationException("the body is already in memory");
        }

        @Override
        public int read() {
          return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) {
          return in.read(b, off, len);
        }
      };
    }

    @Override
    public BufferedReader getReader() {
      return new BufferedReader(new InputStreamReader(new ByteArrayInputStream(body), charset));
    }

    @Override
    public int getContentLength() {
      return body.length;
    }

    @Override
    public long getContentLengthLong() {
      return body.length;
    }
  }
}
