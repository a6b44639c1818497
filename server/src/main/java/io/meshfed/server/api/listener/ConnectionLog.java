package io.meshfed.server.api.listener;

import io.meshfed.transport.logging.RateLimitedLog;
import org.apache.pekko.event.Logging;
import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.stream.Attributes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log Pekko HTTP's protocol stacks write to about one connection. What they report there as
 * errors is nearly always a peer's doing (a frame cut off, a reset, garbage after the HTTP/2
 * preface), so it is written as a warning within limits ({@link RateLimitedLog}), and a failed
 * connection is counted; a client that repeats it at will cannot fill the log.
 */
final class ConnectionLog implements LoggingAdapter {
  /**
   * Pekko Streams logs every stage that fails at ERROR, a peer's broken frame included; the
   * protocol stacks report the same failure to this log, so the stages' own line is switched off.
   */
  static final Attributes STAGE_FAILURES_UNLOGGED =
      Attributes.createLogLevels(Logging.DebugLevel(), Logging.DebugLevel(), Attributes.logLevelOff());

  private final Logger logger;
  private final RateLimitedLog problems;
  private final ListenerStats stats;

  ConnectionLog(String api, ListenerStats stats) {
    this.logger = LoggerFactory.getLogger(ConnectionLog.class.getPackageName() + "." + api);
    this.problems = RateLimitedLog.warn(logger);
    this.stats = stats;
  }

  @Override
  public boolean isErrorEnabled() {
    return logger.isWarnEnabled();
  }

  @Override
  public boolean isWarningEnabled() {
    return logger.isWarnEnabled();
  }

  @Override
  public boolean isInfoEnabled() {
    return logger.isInfoEnabled();
  }

  @Override
  public boolean isDebugEnabled() {
    return logger.isDebugEnabled();
  }

  /** The stacks report a connection they close on an error here. */
  @Override
  public void notifyError(String message) {
    stats.countConnectionFailure();
    problems.log("connection failed: {}", message);
  }

  @Override
  public void notifyError(Throwable cause, String message) {
    notifyError(message + ": " + cause);
  }

  /** Something a peer sent that the stack passed over (an illegal header, say); the connection goes on. */
  @Override
  public void notifyWarning(String message) {
    problems.log("connection: {}", message);
  }

  @Override
  public void notifyInfo(String message) {
    logger.info(message);
  }

  @Override
  public void notifyDebug(String message) {
    logger.debug(message);
  }
}
