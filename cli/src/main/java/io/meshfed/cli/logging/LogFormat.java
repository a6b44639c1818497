package io.meshfed.cli.logging;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import java.util.Iterator;
import org.slf4j.LoggerFactory;

/** How log lines look: {@code text} for people (logback.xml's pattern), {@code json} for pipelines. */
public enum LogFormat {
  text, json;

  /** Shared by every server and gateway this process runs. */
  private static final LogFields FIELDS = new LogFields();

  /**
   * Switches the console appenders to this format; text is what logback.xml sets up. Called first
   * thing by a command, before it starts threads that log.
   */
  public void apply() {
    if (this == text || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return;
    }
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
      if (it.next() instanceof OutputStreamAppender<ILoggingEvent> console
          && !(console.getEncoder() instanceof LayoutWrappingEncoder<ILoggingEvent> e
              && e.getLayout() instanceof JsonLayout)) {
        JsonLayout layout = new JsonLayout(FIELDS);
        layout.setContext(context);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(context);
        encoder.setLayout(layout);
        encoder.start();
        console.stop();
        console.setEncoder(encoder);
        console.start();
      }
    }
  }

  /** Names the datacenter and node of the server or gateway this process runs, on every line. */
  public static void claim(String dc, String node) {
    FIELDS.claim(dc, node);
  }
}
