package io.meshfed.transport.logging;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.event.Level;

/**
 * One kind of log line that peers can cause, so a flood of them must not flood the log. The first
 * {@code burst} occurrences are logged as they come; after that at most one line per interval,
 * carrying the number left out since the line before: {@code "... (and 1,234 more like it in the
 * last 60 s)"}. Once an interval has passed with nothing left out, occurrences are logged as they
 * come again.
 *
 * <p>The count of a flood's tail reaches the log with the next line of its kind, so whoever uses
 * this also counts every occurrence in a metric. Safe from any thread; an occurrence left out costs
 * a clock read and a short lock, and formats nothing. Pass messages, not exceptions, unless a stack
 * trace is wanted: a trailing Throwable is logged with its stack trace, as SLF4J does.
 */
public final class RateLimitedLog {
  public static final int DEFAULT_BURST = 5;
  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(60);

  /** What {@link #admit} decided for an occurrence that is logged with a count of those left out. */
  private record Summary(long leftOut, long seconds) {}

  /** Logged as it came. */
  private static final Summary AS_IS = new Summary(0, 0);

  private final Logger logger;
  private final Level level;
  private final int burst;
  private final long intervalNanos;
  private final LongSupplier nanoTime;

  private int burstLeft;
  private long lastLineAt;
  private long leftOut;

  /**
   * @param burst occurrences logged as they come before the limit applies, at least 1
   * @param nanoTime a monotonic clock in nanoseconds, {@code System::nanoTime} outside tests
   */
  public RateLimitedLog(Logger logger, Level level, int burst, Duration interval, LongSupplier nanoTime) {
    this.logger = Objects.requireNonNull(logger, "logger");
    this.level = Objects.requireNonNull(level, "level");
    if (burst < 1) {
      throw new IllegalArgumentException("burst must be at least 1, got " + burst);
    }
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("interval must be positive, got " + interval);
    }
    this.burst = burst;
    this.intervalNanos = interval.toNanos();
    this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    this.burstLeft = burst;
  }

  /** WARN lines, {@link #DEFAULT_BURST} of them, then one per {@link #DEFAULT_INTERVAL}. */
  public static RateLimitedLog warn(Logger logger) {
    return new RateLimitedLog(logger, Level.WARN, DEFAULT_BURST, DEFAULT_INTERVAL, System::nanoTime);
  }

  public void log(String format, Object argument) {
    Summary summary = admit();
    if (summary == AS_IS) {
      emitOne(format, argument);
    } else if (summary != null) {
      emitSummarized(format, new Object[] {argument}, summary);
    }
  }

  public void log(String format, Object first, Object second) {
    Summary summary = admit();
    if (summary == AS_IS) {
      emitTwo(format, first, second);
    } else if (summary != null) {
      emitSummarized(format, new Object[] {first, second}, summary);
    }
  }

  public void log(String format, Object... arguments) {
    Summary summary = admit();
    if (summary == AS_IS) {
      emitAll(format, arguments);
    } else if (summary != null) {
      emitSummarized(format, arguments, summary);
    }
  }

  /** Null to leave the occurrence out, {@link #AS_IS} to log it as it came, else with its summary. */
  private Summary admit() {
    if (!logger.isEnabledForLevel(level)) {
      return null;
    }
    long now = nanoTime.getAsLong();
    synchronized (this) {
      long sinceLastLine = now - lastLineAt;
      if (leftOut == 0 && sinceLastLine >= intervalNanos) {
        burstLeft = burst;
      }
      if (burstLeft > 0) {
        burstLeft--;
        lastLineAt = now;
        return AS_IS;
      }
      if (sinceLastLine < intervalNanos) {
        leftOut++;
        return null;
      }
      Summary summary = new Summary(leftOut, (sinceLastLine + 999_999_999) / 1_000_000_000);
      leftOut = 0;
      lastLineAt = now;
      return summary;
    }
  }

  /**
   * The line with the summary's two arguments right after the format's own: an argument beyond the
   * format's placeholders (a Throwable, or a null that stands for none) stays last, where SLF4J
   * looks for a Throwable.
   */
  private void emitSummarized(String format, Object[] arguments, Summary summary) {
    int used = Math.min(placeholders(format), arguments.length);
    Object[] all = new Object[arguments.length + 2];
    System.arraycopy(arguments, 0, all, 0, used);
    all[used] = String.format(Locale.ROOT, "%,d", summary.leftOut());
    all[used + 1] = summary.seconds();
    System.arraycopy(arguments, used, all, used + 2, arguments.length - used);
    emitAll(format + " (and {} more like it in the last {} s)", all);
  }

  private static int placeholders(String format) {
    int count = 0;
    for (int i = format.indexOf("{}"); i >= 0; i = format.indexOf("{}", i + 2)) {
      count++;
    }
    return count;
  }

  private void emitOne(String format, Object argument) {
    switch (level) {
      case ERROR -> logger.error(format, argument);
      case WARN -> logger.warn(format, argument);
      case INFO -> logger.info(format, argument);
      case DEBUG -> logger.debug(format, argument);
      case TRACE -> logger.trace(format, argument);
    }
  }

  private void emitTwo(String format, Object first, Object second) {
    switch (level) {
      case ERROR -> logger.error(format, first, second);
      case WARN -> logger.warn(format, first, second);
      case INFO -> logger.info(format, first, second);
      case DEBUG -> logger.debug(format, first, second);
      case TRACE -> logger.trace(format, first, second);
    }
  }

  private void emitAll(String format, Object[] arguments) {
    switch (level) {
      case ERROR -> logger.error(format, arguments);
      case WARN -> logger.warn(format, arguments);
      case INFO -> logger.info(format, arguments);
      case DEBUG -> logger.debug(format, arguments);
      case TRACE -> logger.trace(format, arguments);
    }
  }
}
