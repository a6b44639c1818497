package io.meshfed.cli.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import io.meshfed.transport.metrics.LogEvents;

/**
 * Counts the warnings and errors the process logs into {@link LogEvents}, which every server's and
 * gateway's registry shows as {@code meshfed_log_events_total}. Attached to the root logger in
 * logback.xml, so it sees what the root level lets through (with {@code MESHFED_LOG_LEVEL=ERROR},
 * warnings are neither written nor counted). Unsynchronized: a count is a counter add, and Logback's
 * lock would serialise every thread that logs.
 */
public final class LogEventsAppender extends UnsynchronizedAppenderBase<ILoggingEvent> {
  @Override
  protected void append(ILoggingEvent event) {
    int level = event.getLevel().toInt();
    if (level >= Level.ERROR_INT) {
      LogEvents.count(LogEvents.Level.ERROR, event.getLoggerName());
    } else if (level >= Level.WARN_INT) {
      LogEvents.count(LogEvents.Level.WARN, event.getLoggerName());
    }
  }
}
