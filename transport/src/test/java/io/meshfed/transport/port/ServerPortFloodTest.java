package io.meshfed.transport.port;

import static io.meshfed.protocol.names.WireConstants.ALPN_IDS;
import static io.meshfed.protocol.names.WireConstants.ALPN_RPC;
import static io.meshfed.protocol.names.WireConstants.TYPE_RPC;
import static io.meshfed.transport.port.PortAssertions.WAIT;
import static io.meshfed.transport.port.PortAssertions.assertClosedByServer;
import static io.meshfed.transport.port.PortAssertions.connect;
import static io.meshfed.transport.port.PortAssertions.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.spi.ILoggingEvent;
import io.meshfed.transport.logging.RateLimitedLog;
import io.meshfed.transport.tls.TlsContexts;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Thousands of refused connections: every one counted, the log bounded, the port still serving. */
class ServerPortFloodTest {
  private static final int FLOOD = 3_000;

  @TempDir Path pemDir;
  private TestPki pki;
  private LogCapture logs;
  private ServerPort port;

  @BeforeEach
  void start() throws Exception {
    pki = TestPki.create(pemDir);
    logs = new LogCapture();
    port = ServerPort.start(ServerPortSettings.builder("127.0.0.1", 0)
        .tls(TlsContexts.serverPort(pki.serverMaterial(), ALPN_IDS))
        .applicationProtocol(ALPN_RPC, new RecordingProtocol("rpc"))
        .build());
  }

  @AfterEach
  void stop() {
    port.close();
    logs.close();
  }

  @Test
  void aFloodOfRefusalsIsCountedExactlyAndLoggedWithinTheLimitOfItsReason() throws Exception {
    for (int i = 0; i < FLOOD; i++) {
      try (Socket socket = connect(port.localAddress())) {
        write(socket, TYPE_RPC, (byte) 'x');
        assertClosedByServer(socket);
      }
    }
    await().atMost(WAIT).until(() -> port.stats().refused(RefusalReason.PLAINTEXT_REFUSED) == FLOOD);
    assertThat(port.stats().refusedTotal()).isEqualTo(FLOOD);
    assertThat(lines("plaintext connection refused")).hasSizeBetween(1, RateLimitedLog.DEFAULT_BURST + 1);

    // Another reason has its own budget: the flood does not hide it.
    try (Socket socket = connect(port.localAddress())) {
      write(socket, "GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      assertClosedByServer(socket);
    }
    await().atMost(WAIT).until(() -> lines("TLS handshake failed").size() == 1);

    assertThat(JdkTlsClient.outcome(port.localAddress(), pki.ca, Optional.of(pki.client), "TLSv1.3",
        List.of(ALPN_RPC))).isEqualTo("open (read 120)");
    assertThat(port.stats().dispatched()).isEqualTo(1);
  }

  private List<ILoggingEvent> lines(String containing) {
    return logs.warnings().stream().filter(e -> e.getFormattedMessage().contains(containing)).toList();
  }
}
