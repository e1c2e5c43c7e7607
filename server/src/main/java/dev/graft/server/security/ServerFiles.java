package dev.graft.server.security;

import dev.graft.server.api.ApiProblem;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The files a request may make the server read or look at: regular files under the configured roots
 * ({@code paths.allowedRoots}), nothing else. A request names a path; the server must not become a
 * file reader for whoever can send one (an operator token, or in {@code graft dev} anyone on the
 * machine), so:
 *
 * <ul>
 *   <li>the path is resolved (symbolic links followed) and must lie under a root; {@code /proc},
 *       {@code /sys} and {@code /dev} never do, whatever the roots say;
 *   <li>it must be a regular file, so a FIFO cannot block a request thread and a device cannot be
 *       read forever;
 *   <li>its size is checked before it is read, the read stops at the limit, and it runs on its own
 *       thread with a deadline (a file on a hung network mount);
 *   <li>errors name the field and the path, never the content.
 * </ul>
 *
 * A path outside the roots gets the same answer whether it exists or not, so nothing can be learnt
 * about the rest of the file system.
 */
public final class ServerFiles {
  public static final long MAX_FILE = 4L * 1024 * 1024;
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(5);
  private static final List<Path> NEVER =
      List.of(Path.of("/proc"), Path.of("/sys"), Path.of("/dev"));

  private final List<Path> roots;
  private final ExecutorService readers =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "graft-file-read");
            t.setDaemon(true);
            return t;
          });

  public ServerFiles(List<Path> roots) {
    List<Path> real = new ArrayList<>();
    for (Path root : roots) {
      Path abs = root.toAbsolutePath().normalize();
      try {
        real.add(abs.toRealPath());
      } catch (IOException e) {
        real.add(abs); // not there (yet): paths under it will not resolve either
      }
    }
    this.roots = List.copyOf(real);
  }

  /** The roots from the settings, or the defaults: the secrets directory and {@code configDir}. */
  public static ServerFiles of(PathSettings settings, Path configDir) {
    List<Path> roots = new ArrayList<>();
    for (String r : settings.getAllowedRoots()) {
      roots.add(Path.of(r));
    }
    if (roots.isEmpty()) {
      String secrets = System.getenv("GRAFT_SECRETS_DIR");
      roots.add(Path.of(secrets == null || secrets.isBlank() ? "secrets" : secrets));
      if (configDir != null) {
        roots.add(configDir);
      }
    }
    return new ServerFiles(roots);
  }

  /**
   * Files anywhere but /proc, /sys and /dev, still regular, bounded and timed: for a resource built
   * without the server's roots (unit tests of the resource alone), never for the server.
   */
  public static ServerFiles anywhere() {
    return new ServerFiles(List.of(Path.of("/")));
  }

  public List<Path> roots() {
    return roots;
  }

  /**
   * Checks that {@code path} names a regular file under a root, readable, at most {@link #MAX_FILE}
   * bytes; returns its resolved path. Otherwise a 400 naming {@code field}.
   */
  public Path check(String field, String path) {
    Path p;
    try {
      p = Path.of(path);
    } catch (IllegalArgumentException e) {
      throw ApiProblem.field(field, "is not a path");
    }
    if (!p.isAbsolute()) {
      throw ApiProblem.field(field, "\"" + path + "\" must be an absolute path on the server");
    }
    Path normal = p.normalize();
    if (!under(normal)) {
      throw outside(field, path);
    }
    Path real;
    BasicFileAttributes attrs;
    try {
      real = normal.toRealPath();
      attrs = Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (IOException | SecurityException e) {
      throw ApiProblem.field(field, "\"" + path + "\" is not a readable file on the server");
    }
    if (!under(real)) {
      throw outside(field, path); // a link that leads out of the roots
    }
    if (!attrs.isRegularFile() || !Files.isReadable(real)) {
      throw ApiProblem.field(
          field, "\"" + path + "\" is not a readable regular file on the server");
    }
    if (attrs.size() > MAX_FILE) {
      throw ApiProblem.field(
          field, "\"" + path + "\" is larger than " + MAX_FILE / (1024 * 1024) + " MiB");
    }
    return real;
  }

  /** Whether {@code path} (absolute) lies under a root; says nothing about whether it exists. */
  public boolean allows(String path) {
    try {
      Path p = Path.of(path);
      return p.isAbsolute() && under(p.normalize());
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** {@link #check}, then the file as UTF-8 text, read with a size bound and a deadline. */
  public String read(String field, String path) {
    Path real = check(field, path);
    Future<byte[]> f =
        readers.submit(
            () -> {
              try (InputStream in = Files.newInputStream(real)) {
                return in.readNBytes((int) MAX_FILE + 1);
              }
            });
    byte[] bytes;
    try {
      bytes = f.get(READ_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      f.cancel(true);
      throw ApiProblem.field(
          field, "\"" + path + "\" could not be read within " + READ_TIMEOUT.toSeconds() + " s");
    } catch (ExecutionException e) {
      throw ApiProblem.field(field, "\"" + path + "\" is not a readable file on the server");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ApiProblem.field(field, "\"" + path + "\" was not read: interrupted");
    }
    if (bytes.length > MAX_FILE) {
      throw ApiProblem.field(
          field, "\"" + path + "\" is larger than " + MAX_FILE / (1024 * 1024) + " MiB");
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw ApiProblem.field(field, "\"" + path + "\" is not UTF-8 text");
    }
  }

  private boolean under(Path p) {
    for (Path never : NEVER) {
      if (p.startsWith(never)) {
        return false;
      }
    }
    for (Path root : roots) {
      if (p.startsWith(root)) {
        return true;
      }
    }
    return false;
  }

  private ApiProblem outside(String field, String path) {
    return ApiProblem.field(
        field,
        "\""
            + path
            + "\" is not under a directory this server reads"
            + " files from (paths.allowedRoots: "
            + roots
            + ")");
  }
}
