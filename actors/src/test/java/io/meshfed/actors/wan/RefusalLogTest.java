package io.meshfed.actors.wan;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Refusals come back every gossip round; the log says each once, then again only after a while. */
class RefusalLogTest {
  @Test
  void eachRefusalIsLoggedOnceThenAtMostEveryTenMinutes() {
    Logger logger = (Logger) LoggerFactory.getLogger(WanMembership.class);
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    logger.addAppender(lines);
    try {
      AtomicLong now = new AtomicLong(1_000);
      RefusalLog log = new RefusalLog(now::get);
      for (int i = 0; i < 50; i++) {
        log.refused("b.dc2", "10.0.0.2:8300", "no gossip version in common");
        log.refusedBy("c.dc1", "no gossip version in common");
        now.addAndGet(1_000);
      }
      assertThat(lines.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
          "refusing WAN member b.dc2 at 10.0.0.2:8300: no gossip version in common",
          "the WAN refused this server (answer from c.dc1): no gossip version in common");
      now.addAndGet(RefusalLog.REPEAT_MS);
      log.refused("b.dc2", "10.0.0.2:8300", "no gossip version in common");
      assertThat(lines.list).hasSize(3);
      for (int i = 0; i < RefusalLog.MAX_PEERS * 2; i++) {
        log.refused("m" + i + ".dc2", "10.0.0.3:8300", "no gossip version in common");
      }
      assertThat(lines.list).hasSize(3 + RefusalLog.MAX_PEERS * 2);
    } finally {
      logger.detachAppender(lines);
    }
  }
}
