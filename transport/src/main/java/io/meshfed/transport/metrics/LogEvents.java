package io.meshfed.transport.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;

/**
 * Warnings and errors logged in this JVM, by level and by reason (the short name of the logger that
 * wrote them), as {@code meshfed_log_events_total}. A logging appender ({@code LogEventsAppender} in the
 * command-line module) feeds it; every registry of the JVM shows the same counts, since logging is
 * per JVM and a line does not say which of several servers in the process wrote it.
 *
 * <p>The labels are bounded: a reason must look like a Java class name (a logger named after an actor
 * path or an address counts as {@code other}), and past {@link #MAX_REASONS} distinct ones the rest
 * count as {@code other} too.
 */
public final class LogEvents {
  public static final String NAME = "meshfed_log_events";
  static final int MAX_REASONS = 100;
  static final String OTHER = "other";
  private static final Pattern CLASS_NAME = Pattern.compile("[A-Za-z_$][A-Za-z0-9_$]{0,63}");
  /** Raw logger names remembered for a fast lookup; beyond this, names are normalised each time. */
  private static final int MAX_CACHED_LOGGERS = 1000;

  /** The levels counted; their order is the index into the tables below. */
  public enum Level {
    WARN, ERROR;

    String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private static final Map<String, LongAdder>[] BY_REASON = tables();
  private static final Map<String, LongAdder>[] BY_LOGGER = tables();

  private LogEvents() {}

  @SuppressWarnings("unchecked")
  private static Map<String, LongAdder>[] tables() {
    Map<String, LongAdder>[] tables = new Map[Level.values().length];
    for (int i = 0; i < tables.length; i++) {
      tables[i] = new ConcurrentHashMap<>();
      tables[i].put(OTHER, new LongAdder());
    }
    return tables;
  }

  /** Counts one line of {@code level} written by the logger named {@code logger}. */
  public static void count(Level level, String logger) {
    Map<String, LongAdder> byLogger = BY_LOGGER[level.ordinal()];
    LongAdder counter = logger == null ? null : byLogger.get(logger);
    if (counter == null) {
      counter = counterOf(level, reason(logger));
      if (logger != null && byLogger.size() < MAX_CACHED_LOGGERS) {
        byLogger.putIfAbsent(logger, counter);
      }
    }
    counter.increment();
  }

  /** Lines of {@code level} counted for {@code reason} (a label value) so far. */
  public static long counted(Level level, String reason) {
    LongAdder n = BY_REASON[level.ordinal()].get(reason);
    return n == null ? 0 : n.sum();
  }

  private static LongAdder counterOf(Level level, String reason) {
    Map<String, LongAdder> byReason = BY_REASON[level.ordinal()];
    LongAdder counter = byReason.get(reason);
    if (counter != null) {
      return counter;
    }
    synchronized (byReason) {
      if (byReason.size() >= MAX_REASONS && !byReason.containsKey(reason)) {
        return byReason.get(OTHER);
      }
      return byReason.computeIfAbsent(reason, r -> new LongAdder());
    }
  }

  /** The logger's short name when it is a class's, else {@link #OTHER}. */
  static String reason(String logger) {
    if (logger == null) {
      return OTHER;
    }
    String shortName = logger.substring(logger.lastIndexOf('.') + 1);
    return CLASS_NAME.matcher(shortName).matches() ? shortName : OTHER;
  }

  /**
   * Registers a counter in {@code registry} for every reason seen and not in {@code registered} yet (the
   * first call: the {@code other} series of each level, so the family is in every scrape). Micrometer
   * warns about a function counter registered twice, hence the set of those already there.
   */
  static void sync(MeterRegistry registry, Set<String> registered) {
    for (Level level : Level.values()) {
      BY_REASON[level.ordinal()].forEach((reason, counter) -> {
        if (registered.add(level.label() + ' ' + reason)) {
          FunctionCounter.builder(NAME, counter, LongAdder::sum)
              .description("warnings and errors this process logged, by level and the short name of the logger"
                  + " (one count per JVM: several servers in one process show the same counts)")
              .tags("level", level.label(), "reason", reason)
              .register(registry);
        }
      });
    }
  }
}
