package dev.graft.activities.common;

/**
 * A value that would reach a remote command (or a file on a host) failed validation. The message
 * names the field, shows the offending value in a printable, truncated form and states the rule, so
 * an operator can fix the input without reading code. Retrying cannot help, so activities map it to
 * a non-retryable failure.
 */
public class InvalidValueException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;
  private static final int MAX_SHOWN = 80;

  private final String field;
  private final String rule;

  public InvalidValueException(String field, String value, String rule) {
    super(field + " " + printable(value) + " is invalid: " + rule);
    this.field = field;
    this.rule = rule;
  }

  public String field() {
    return field;
  }

  public String rule() {
    return rule;
  }

  /**
   * Quotes the value for a message, escaping control characters so a hostile value cannot forge log
   * lines.
   */
  static String printable(String value) {
    if (value == null) {
      return "(missing)";
    }
    StringBuilder out = new StringBuilder("\"");
    int shown = 0;
    for (int i = 0; i < value.length(); i++) {
      if (shown == MAX_SHOWN) {
        out.append("...(").append(value.length()).append(" chars)");
        break;
      }
      char c = value.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20 || c == 0x7f) {
        out.append(String.format("\\x%02x", (int) c));
      } else {
        out.append(c);
      }
      shown++;
    }
    return out.append('"').toString();
  }
}
