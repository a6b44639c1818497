package io.meshfed.actors.locator;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.LoggerFactory;

/** Captures the gateway locator's log lines at INFO and above (the test config logs WARN only). */
final class LocatorLogs implements AutoCloseable {
  private final Logger logger = (Logger) LoggerFactory.getLogger(GatewayLocator.class);
  private final Level before = logger.getLevel();
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

  LocatorLogs() {
    appender.start();
    logger.setLevel(Level.INFO);
    logger.addAppender(appender);
  }

  /** "LEVEL message", in order. */
  List<String> lines() {
    List<ILoggingEvent> events;
    // AppenderBase.doAppend synchronizes on the appender; reading under the same lock is safe.
    synchronized (appender) {
      events = new ArrayList<>(appender.list);
    }
    return events.stream().map(e -> e.getLevel() + " " + e.getFormattedMessage()).toList();
  }

  List<String> containing(String text) {
    return lines().stream().filter(l -> l.contains(text)).toList();
  }

  @Override
  public void close() {
    logger.detachAppender(appender);
    logger.setLevel(before);
    appender.stop();
  }
}
