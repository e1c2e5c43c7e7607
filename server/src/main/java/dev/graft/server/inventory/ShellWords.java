package dev.graft.server.inventory;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a line the way Ansible's INI parser does (Python's shlex with comments): whitespace
 * separates words, single and double quotes group, a backslash escapes, and a {@code #} at the
 * start of a word begins a comment.
 */
final class ShellWords {
  private ShellWords() {}

  /**
   * @throws IllegalArgumentException for an unterminated quote (callers add the position)
   */
  static List<String> split(String line) {
    List<String> words = new ArrayList<>();
    int i = 0;
    int n = line.length();
    while (i < n) {
      while (i < n && Character.isWhitespace(line.charAt(i))) {
        i++;
      }
      if (i >= n || line.charAt(i) == '#') {
        break;
      }
      StringBuilder w = new StringBuilder();
      while (i < n && !Character.isWhitespace(line.charAt(i))) {
        char c = line.charAt(i);
        if (c == '\'') {
          int end = line.indexOf('\'', i + 1);
          if (end < 0) {
            throw new IllegalArgumentException("unterminated ' quote");
          }
          w.append(line, i + 1, end);
          i = end + 1;
        } else if (c == '"') {
          i++;
          boolean closed = false;
          while (i < n) {
            char d = line.charAt(i);
            if (d == '\\'
                && i + 1 < n
                && (line.charAt(i + 1) == '"'
                    || line.charAt(i + 1) == '\\'
                    || line.charAt(i + 1) == '$'
                    || line.charAt(i + 1) == '`')) {
              w.append(line.charAt(i + 1));
              i += 2;
            } else if (d == '"') {
              closed = true;
              i++;
              break;
            } else {
              w.append(d);
              i++;
            }
          }
          if (!closed) {
            throw new IllegalArgumentException("unterminated \" quote");
          }
        } else if (c == '\\') {
          if (i + 1 < n) {
            w.append(line.charAt(i + 1));
          }
          i += 2;
        } else {
          w.append(c);
          i++;
        }
      }
      words.add(w.toString());
    }
    return words;
  }
}
