package io.meshfed.transport.port;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** How a refusal is reported, independent of which Netty event triggered it. */
class RefusalsTest {
  private final ServerPortStats stats = new ServerPortStats(() -> 0);
  private final Refusals refusals = new Refusals(stats);
  private final EmbeddedChannel channel = new EmbeddedChannel();
  private LogCapture logs;

  @BeforeEach
  void captureLogs() {
    logs = new LogCapture();
  }

  @AfterEach
  void stopCapturing() {
    logs.close();
    channel.finishAndReleaseAll();
  }

  /** Which failure reports first differs between Netty versions; only the first one counts. */
  @Test
  void aConnectionIsRefusedOnceHoweverManyFailuresReportIt() {
    refusals.refuse(channel, RefusalReason.HANDSHAKE_TIMEOUT, "handshake not completed within 5s");
    refusals.refuseTlsHandshake(channel, new SSLHandshakeException("closed during handshake"));
    refusals.refuse(channel, RefusalReason.CONNECTION_FAILED, "connection failed before dispatch: x");

    assertThat(channel.isOpen()).isFalse();
    assertThat(stats.refused(RefusalReason.HANDSHAKE_TIMEOUT)).isEqualTo(1);
    assertThat(stats.refusedTotal()).isEqualTo(1);
    assertThat(logs.warnings()).singleElement().satisfies(event -> assertThat(event.getFormattedMessage())
        .isEqualTo("server port: refused embedded: handshake not completed within 5s"));
  }

  @Test
  void aReasonIsLoggedAsOneBoundedLine() {
    refusals.refuse(channel, RefusalReason.CONNECTION_FAILED, "first\nsecond\r" + "x".repeat(1000));

    assertThat(logs.warnings()).singleElement().satisfies(event -> assertThat(event.getFormattedMessage())
        .startsWith("server port: refused embedded: first second ")
        .doesNotContain("\n", "\r")
        .endsWith("...")
        .hasSizeLessThan(300));
  }

  @Test
  void timeoutsAreWrittenAsConfigured() {
    assertThat(HandshakeTimeout.format(Duration.ofSeconds(5))).isEqualTo("5s");
    assertThat(HandshakeTimeout.format(Duration.ofMillis(300))).isEqualTo("300ms");
    assertThat(HandshakeTimeout.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
  }
}
