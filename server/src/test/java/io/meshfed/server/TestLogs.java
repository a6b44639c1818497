package io.meshfed.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.LoggerFactory;

/** Captures every WARN and ERROR line of the process while open (the test config logs WARN only). */
final class TestLogs implements AutoCloseable {
  private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

  private TestLogs() {
    appender.start();
    root.addAppender(appender);
  }

  static TestLogs warnings() {
    return new TestLogs();
  }

  /** "LEVEL logger - message", in order. */
  List<String> lines() {
    List<ILoggingEvent> events;
    // AppenderBase.doAppend synchronizes on the appender; reading under the same lock is safe.
    synchronized (appender) {
      events = new ArrayList<>(appender.list);
    }
    return events.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
        .map(e -> e.getLevel() + " " + e.getLoggerName() + " - " + e.getFormattedMessage()).toList();
  }

  @Override
  public void close() {
    root.detachAppender(appender);
    appender.stop();
  }
}
