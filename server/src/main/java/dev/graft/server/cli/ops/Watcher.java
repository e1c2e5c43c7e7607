package dev.graft.server.cli.ops;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Polls an operation until it ends or waits for an operator, drawing its progress: on a terminal,
 * the block of progress bars is redrawn in place (ANSI cursor-up and erase-line); otherwise (a
 * pipe, a log file, a test) each line is printed again only when it changed, so the output reads as
 * a log.
 */
final class Watcher {
  private final ApiClient api;
  private final Patience patience;
  private final PrintStream out;
  private final boolean tty;
  private final long intervalMillis;
  private final boolean draw;
  private int drawn;
  private String lastHeader;
  private final Map<String, String> lastLines = new HashMap<>();

  Watcher(
      ApiClient api,
      Patience patience,
      PrintStream out,
      boolean tty,
      long intervalMillis,
      boolean draw) {
    this.api = api;
    this.patience = patience;
    this.out = out;
    this.tty = tty;
    this.intervalMillis = intervalMillis;
    this.draw = draw;
  }

  /**
   * Returns the operation as it was when it settled. A server that stops answering for a while
   * (restarting, overloaded) is waited for as {@link Patience} says; the operation runs on in
   * Temporal meanwhile, so the next answer simply shows how far it got.
   */
  JsonNode watch(String id) throws ApiClient.ApiError, InterruptedException {
    while (true) {
      JsonNode op = patience.call(() -> api.get("/api/v1/operations/" + id));
      if (draw) {
        render(op);
      }
      if (ProgressText.settled(op.path("state").asText())) {
        return op;
      }
      Thread.sleep(intervalMillis);
    }
  }

  private void render(JsonNode op) {
    String header = ProgressText.header(op);
    List<String> lines = ProgressText.lines(op);
    if (tty) {
      StringBuilder b = new StringBuilder();
      if (drawn > 0) {
        b.append("\033[").append(drawn).append('A');
      }
      List<String> all = new ArrayList<>();
      all.add(header);
      all.addAll(lines);
      for (String l : all) {
        b.append("\r\033[2K").append(l).append('\n');
      }
      out.print(b);
      drawn = all.size();
    } else {
      if (!header.equals(lastHeader)) {
        out.println(header);
        lastHeader = header;
      }
      for (String l : lines) {
        String key = l.trim().split("\\s+")[0];
        if (!l.equals(lastLines.get(key))) {
          out.println(l);
          lastLines.put(key, l);
        }
      }
    }
    out.flush();
  }
}
