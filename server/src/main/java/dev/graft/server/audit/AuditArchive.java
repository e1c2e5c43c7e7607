package dev.graft.server.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The audit archive: one file of JSON lines per ended operation, in {@code audit.archiveDir}, named
 * after the operation id ({@code cluster%2Fprod%2Fexpand%2Fr1.audit.jsonl}).
 *
 * <p>Every line is {@code {"hash":H,"prev":P,"entry":E}} in exactly that order, where {@code E} is
 * one JSON object, {@code P} the previous line's {@code H} (64 zeros on the first line) and {@code
 * H = sha256(P + E)} over the exact bytes of {@code E} as written (lowercase hex). The first entry
 * is a header ({@code "kind":"archive"}: operation id, format, when), then the trail's entries as
 * {@code GET /operations/{id}/history} returns them, oldest first, and last a seal ({@code
 * "kind":"seal"}: the number of trail entries). An edited, inserted, removed or reordered line
 * breaks the chain from there on; a cut tail loses the seal. Whoever can write the directory can
 * also rewrite a whole file with a fresh chain: the last hash is kept in the cluster workflow's
 * history (the archive activity's result) and logged, to compare against, and the directory belongs
 * on storage that Graft's processes may append to but operators may not edit.
 */
public final class AuditArchive {
  static final ObjectMapper JSON = new ObjectMapper();
  public static final String SUFFIX = ".audit.jsonl";
  static final String ZERO = "0".repeat(64);

  /** A trail file larger than this is refused on read (a 500-node operation is a few MB). */
  static final long MAX_BYTES = 256L * 1024 * 1024;

  private static final int FORMAT = 1;

  private final Path dir;

  public AuditArchive(Path dir) {
    this.dir = dir;
  }

  public Path dir() {
    return dir;
  }

  /**
   * The archive file of an operation id (the id is encoded: no separator can escape the directory).
   */
  public Path fileOf(String operationId) {
    return dir.resolve(URLEncoder.encode(operationId, StandardCharsets.UTF_8) + SUFFIX);
  }

  /** The operation id an archive file holds, from its name; null for other files. */
  public static String operationIdOf(Path file) {
    String name = file.getFileName().toString();
    if (!name.endsWith(SUFFIX)) {
      return null;
    }
    return URLDecoder.decode(
        name.substring(0, name.length() - SUFFIX.length()), StandardCharsets.UTF_8);
  }

  public boolean has(String operationId) {
    return Files.isRegularFile(fileOf(operationId), LinkOption.NOFOLLOW_LINKS);
  }

  /** What {@link #write} wrote. */
  public record Written(Path file, int entries, String lastHash) {}

  /**
   * Writes the trail (atomically: a temporary file, then a rename), replacing an earlier archive of
   * the same operation: a retried write produces the same entries from the same histories.
   */
  public Written write(String operationId, List<?> entries, long archivedAtMillis)
      throws IOException {
    Files.createDirectories(dir);
    Path file = fileOf(operationId);
    Path tmp = dir.resolve("." + file.getFileName() + ".tmp");
    StringBuilder out = new StringBuilder();
    String prev = ZERO;
    ObjectNode header = JSON.createObjectNode();
    header.put("kind", "archive");
    header.put("operationId", operationId);
    header.put("format", FORMAT);
    header.put("archivedAtMillis", archivedAtMillis);
    prev = line(out, prev, JSON.writeValueAsString(header));
    for (Object e : entries) {
      prev = line(out, prev, JSON.writeValueAsString(e));
    }
    ObjectNode seal = JSON.createObjectNode();
    seal.put("kind", "seal");
    seal.put("entries", entries.size());
    prev = line(out, prev, JSON.writeValueAsString(seal));
    Files.writeString(
        tmp,
        out,
        StandardCharsets.UTF_8,
        StandardOpenOption.CREATE,
        StandardOpenOption.TRUNCATE_EXISTING,
        StandardOpenOption.WRITE);
    try {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }
    return new Written(file, entries.size(), prev);
  }

  private static String line(StringBuilder out, String prev, String entryJson) {
    String hash = hash(prev, entryJson);
    out.append("{\"hash\":\"")
        .append(hash)
        .append("\",\"prev\":\"")
        .append(prev)
        .append("\",\"entry\":")
        .append(entryJson)
        .append("}\n");
    return hash;
  }

  static String hash(String prev, String entryJson) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(prev.getBytes(StandardCharsets.US_ASCII));
      sha.update(entryJson.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * An archived trail and its check: {@code problems} is empty when every line chains to the one
   * before and the seal counts the entries; otherwise it says which line broke and how.
   */
  public record Trail(
      String operationId,
      List<JsonNode> entries,
      Long archivedAtMillis,
      String lastHash,
      List<String> problems) {
    public boolean intact() {
      return problems.isEmpty();
    }
  }

  /** Reads and checks an operation's archive, if there is one. */
  public Optional<Trail> read(String operationId) {
    Path file = fileOf(operationId);
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      return Optional.empty();
    }
    return Optional.of(verify(file));
  }

  /** Reads and checks one archive file. */
  public static Trail verify(Path file) {
    List<JsonNode> entries = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    String operationId = operationIdOf(file);
    Long archivedAt = null;
    String prev = ZERO;
    boolean sealed = false;
    try {
      if (Files.size(file) > MAX_BYTES) {
        return new Trail(
            operationId,
            List.of(),
            null,
            null,
            List.of(file + " is larger than " + MAX_BYTES + " bytes; not read"));
      }
      try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS);
          BufferedReader r =
              new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        String text;
        int n = 0;
        while ((text = r.readLine()) != null) {
          n++;
          if (sealed) {
            problems.add("line " + n + ": a line after the seal");
            continue;
          }
          Line line = Line.parse(text);
          if (line == null) {
            problems.add("line " + n + ": not an archive line");
            continue;
          }
          if (!line.prev.equals(prev)) {
            problems.add(
                "line "
                    + n
                    + ": does not chain to the line before (a line was removed, inserted or reordered)");
          }
          if (!hash(line.prev, line.entry).equals(line.hash)) {
            problems.add(
                "line " + n + ": its content does not match its hash (the line was modified)");
          }
          prev = line.hash;
          JsonNode entry;
          try {
            entry = JSON.readTree(line.entry);
          } catch (JsonProcessingException e) {
            problems.add("line " + n + ": its entry is not JSON");
            continue;
          }
          String kind = entry.path("kind").asText();
          if (n == 1) {
            if (!"archive".equals(kind)) {
              problems.add("line 1: not an archive header");
            } else {
              archivedAt = entry.path("archivedAtMillis").asLong();
              String id = entry.path("operationId").asText();
              if (operationId != null && !operationId.equals(id)) {
                problems.add("line 1: the header names " + id + ", the file " + operationId);
              }
              operationId = id;
            }
          } else if ("seal".equals(kind)) {
            sealed = true;
            if (entry.path("entries").asInt(-1) != entries.size()) {
              problems.add(
                  "line "
                      + n
                      + ": the seal counts "
                      + entry.path("entries").asInt(-1)
                      + " entries, the file holds "
                      + entries.size());
            }
          } else {
            entries.add(entry);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    if (!sealed) {
      problems.add("no seal: the file was cut short");
    }
    return new Trail(operationId, entries, archivedAt, prev, problems);
  }

  /** Every archive file in the directory, sorted by name. */
  public List<Path> files() throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (var s = Files.list(dir)) {
      return s.filter(
              p ->
                  p.getFileName().toString().endsWith(SUFFIX)
                      && !p.getFileName().toString().startsWith("."))
          .sorted()
          .toList();
    }
  }

  /**
   * One line split by position: the writer's fixed layout is what makes the entry's bytes exact.
   */
  private record Line(String hash, String prev, String entry) {
    private static final String A = "{\"hash\":\"";
    private static final String B = "\",\"prev\":\"";
    private static final String C = "\",\"entry\":";

    static Line parse(String text) {
      int h = A.length();
      int p = h + 64 + B.length();
      int e = p + 64 + C.length();
      if (text.length() < e + 2
          || !text.startsWith(A)
          || !text.startsWith(B, h + 64)
          || !text.startsWith(C, p + 64)
          || !text.endsWith("}")) {
        return null;
      }
      return new Line(
          text.substring(h, h + 64),
          text.substring(p, p + 64),
          text.substring(e, text.length() - 1));
    }
  }
}
