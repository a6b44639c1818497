package io.meshfed.server.api;

/**
 * The text of an API error as a client receives it: one line of bounded length, whatever the
 * message quotes. Messages quote what the client sent (a DC name, a field), so a control
 * character or a huge value would otherwise reach the client's terminal or log unchanged.
 */
public final class ErrorText {
  /** Longer messages are cut; a client needs the first words to know what to fix. */
  public static final int MAX_CHARS = 512;

  private ErrorText() {}

  /** Control characters escaped ({@code \n}, {@code \u0007}), cut at {@link #MAX_CHARS}. */
  public static String oneLine(String message) {
    String text = message == null || message.isEmpty() ? "error" : message;
    StringBuilder out = new StringBuilder(Math.min(text.length(), MAX_CHARS) + 16);
    for (int i = 0; i < text.length(); i++) {
      if (out.length() >= MAX_CHARS) {
        out.append("... (").append(text.length() - i).append(" more characters)");
        break;
      }
      char c = text.charAt(i);
      switch (c) {
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
            out.append(String.format("\\u%04X", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.toString();
  }
}
