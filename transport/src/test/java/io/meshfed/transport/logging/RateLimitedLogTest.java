package io.meshfed.transport.logging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.slf4j.LoggerFactory;

class RateLimitedLogTest {
  private static final Duration INTERVAL = Duration.ofSeconds(60);

  private final AtomicLong nanos = new AtomicLong(-5_000_000_000L);
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
  private Logger logger;
  private RateLimitedLog log;

  @BeforeEach
  void setUp(TestInfo test) {
    logger = (Logger) LoggerFactory.getLogger("rate-limited." + test.getDisplayName());
    logger.setLevel(Level.INFO);
    appender.start();
    logger.addAppender(appender);
    log = new RateLimitedLog(logger, org.slf4j.event.Level.WARN, 3, INTERVAL, nanos::get);
  }

  @AfterEach
  void tearDown() {
    logger.detachAppender(appender);
  }

  @Test
  void theFirstOccurrencesAreLoggedAsTheyCome() {
    log.log("refused {}: {}", "10.0.0.1:1", "bad");
    log.log("refused {}: {}", "10.0.0.1:2", "bad");
    log.log("refused {}: {}", "10.0.0.1:3", "bad");

    assertThat(lines()).containsExactly("refused 10.0.0.1:1: bad", "refused 10.0.0.1:2: bad",
        "refused 10.0.0.1:3: bad");
    assertThat(appender.list).allSatisfy(event -> assertThat(event.getLevel()).isEqualTo(Level.WARN));
  }

  @Test
  void aFloodGetsOneLinePerIntervalWithTheNumberLeftOut() {
    occur(3 + 1234);
    assertThat(lines()).hasSize(3);

    advance(Duration.ofSeconds(59));
    occur(10);
    assertThat(lines()).as("still inside the interval").hasSize(3);

    advance(Duration.ofSeconds(1));
    log.log("refused {}", "the last");
    assertThat(lines()).hasSize(4).last()
        .isEqualTo("refused the last (and 1,244 more like it in the last 60 s)");

    occur(7);
    advance(Duration.ofSeconds(90));
    log.log("refused {}", "later");
    assertThat(lines()).hasSize(5).last().isEqualTo("refused later (and 7 more like it in the last 90 s)");
  }

  @Test
  void aQuietIntervalStartsAFreshBurst() {
    occur(4);
    advance(INTERVAL);
    log.log("refused {}", "after the flood");
    assertThat(lines()).hasSize(4).last().isEqualTo("refused after the flood (and 1 more like it in the last 60 s)");

    advance(INTERVAL);
    occur(3);
    assertThat(lines()).as("a whole interval without a line left out").hasSize(7);
    occur(1);
    assertThat(lines()).hasSize(7);
  }

  @Test
  void aTrailingThrowableKeepsItsStackTraceAndTheSummaryGoesBeforeIt() {
    IllegalStateException bug = new IllegalStateException("bug");
    occur(3 + 2);
    advance(INTERVAL);
    log.log("listener failed on {}", "n1", bug);

    ILoggingEvent last = appender.list.get(appender.list.size() - 1);
    assertThat(last.getFormattedMessage()).isEqualTo("listener failed on n1 (and 2 more like it in the last 60 s)");
    assertThat(last.getThrowableProxy().getMessage()).isEqualTo("bug");
  }

  @Test
  void aTrailingNullForNoThrowableDoesNotShiftTheSummary() {
    occur(3 + 2);
    advance(INTERVAL);
    log.log("listener failed on {}", "n1", null);

    assertThat(lines()).last().isEqualTo("listener failed on n1 (and 2 more like it in the last 60 s)");
  }

  @Test
  void nothingIsCountedOrFormattedWhileTheLevelIsOff() {
    logger.setLevel(Level.ERROR);
    occur(100);
    logger.setLevel(Level.INFO);
    occur(3);
    assertThat(lines()).hasSize(3).allSatisfy(line -> assertThat(line).doesNotContain("more like it"));
  }

  @Test
  void concurrentOccurrencesAreCountedExactly() throws Exception {
    int threads = 8;
    int each = 10_000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        done.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < each; i++) {
            log.log("refused {}", i);
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get(10, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    advance(INTERVAL);
    log.log("refused {}", "last");
    assertThat(lines()).hasSize(4).last()
        .isEqualTo(String.format("refused last (and %,d more like it in the last 60 s)", threads * each - 3));
  }

  @Test
  void settingsAreChecked() {
    assertThatThrownBy(() -> new RateLimitedLog(logger, org.slf4j.event.Level.WARN, 0, INTERVAL, nanos::get))
        .hasMessage("burst must be at least 1, got 0");
    assertThatThrownBy(() -> new RateLimitedLog(logger, org.slf4j.event.Level.WARN, 1, Duration.ZERO, nanos::get))
        .hasMessage("interval must be positive, got PT0S");
  }

  private void occur(int times) {
    for (int i = 0; i < times; i++) {
      log.log("refused {}", i);
    }
  }

  private void advance(Duration by) {
    nanos.addAndGet(by.toNanos());
  }

  private List<String> lines() {
    return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
  }
}
