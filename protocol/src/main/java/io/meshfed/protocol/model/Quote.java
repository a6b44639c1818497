package io.meshfed.protocol.model;

/**
 * Quotes user input inside an error message. Whatever the input holds, the message stays one short,
 * printable line: line breaks, control and other invisible characters are escaped ({@code \n}, or
 * a backslash-u escape for BEL and the like), and a long value is cut, with its length after the closing quote
 * ({@code "aaaa"…(70000 chars)}). Messages that always used single quotes, or none, keep their look
 * for ordinary input.
 */
public final class Quote {
  /** Characters of (escaped) input a quote shows; enough to recognise the value. */
  static final int SHOWN = 64;

  private Quote() {}

  /** {@code "value"}. */
  public static String of(String value) {
    return render(value, '"');
  }

  /** {@code 'value'}. */
  public static String single(String value) {
    return render(value, '\'');
  }

  /** {@code value}, for messages that show the input without quotes. */
  public static String bare(String value) {
    return render(value, (char) 0);
  }

  private static String render(String value, char quote) {
    String text = value == null ? "" : value;
    StringBuilder out = new StringBuilder(SHOWN + 24);
    if (quote != 0) {
      out.append(quote);
    }
    int shown = 0;
    int i = 0;
    while (i < text.length()) {
      int cp = text.codePointAt(i);
      String piece = escape(cp, quote);
      if (shown + piece.length() > SHOWN) {
        break;
      }
      out.append(piece);
      shown += piece.length();
      i += Character.charCount(cp);
    }
    if (quote != 0) {
      out.append(quote);
    }
    if (i < text.length()) {
      out.append("…(").append(text.length()).append(" chars)");
    }
    return out.toString();
  }

  private static String escape(int cp, char quote) {
    switch (cp) {
      case '\n':
        return "\\n";
      case '\r':
        return "\\r";
      case '\t':
        return "\\t";
      case '\\':
        return "\\\\";
      default:
        break;
    }
    if (quote != 0 && cp == quote) {
      return "\\" + quote;
    }
    if (invisible(cp)) {
      StringBuilder units = new StringBuilder();
      for (char unit : Character.toChars(cp)) {
        units.append(String.format("\\u%04X", (int) unit));
      }
      return units.toString();
    }
    return Character.toString(cp);
  }

  /** Characters that would break the line or hide in it: controls, format characters, separators, lone surrogates. */
  static boolean invisible(int cp) {
    int type = Character.getType(cp);
    return type == Character.CONTROL || type == Character.FORMAT || type == Character.LINE_SEPARATOR
        || type == Character.PARAGRAPH_SEPARATOR || type == Character.SURROGATE;
  }
}
