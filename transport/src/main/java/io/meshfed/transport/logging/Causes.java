package io.meshfed.transport.logging;

/** Failures in words, for log lines and error messages of one line. */
public final class Causes {
  private Causes() {}

  /**
   * The messages along the cause chain, each once: an engine's own message is often generic
   * ("General OpenSslEngine problem") while its cause says what the trust manager refused. A wrapper
   * that only repeats its cause (Netty's DecoderException) adds nothing.
   */
  public static String describe(Throwable cause) {
    StringBuilder described = new StringBuilder();
    for (Throwable t = cause; t != null; t = t.getCause()) {
      String message = t.getMessage() == null || t.getMessage().isBlank()
          ? t.getClass().getSimpleName() : t.getMessage();
      boolean repeatsCause = t.getCause() != null && message.equals(t.getCause().toString());
      if (!repeatsCause && described.indexOf(message) < 0) {
        described.append(described.length() == 0 ? "" : ": ").append(message);
      }
    }
    return described.toString();
  }
}
