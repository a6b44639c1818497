package io.meshfed.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLEngine;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The client against the server directly, with tiny sizes: every measurement works end to end. */
@Timeout(30)
class BenchLoopbackTest {
  @TempDir
  static Path certs;

  private static SslContext serverTls;
  private static BenchServer server;
  private static EventLoopGroup clientLoops;
  private static Dialer dialer;

  @BeforeAll
  static void start() throws Exception {
    BenchCerts.write(certs, "dc2", "meshfed");
    serverTls = BenchTls.server(BenchCerts.serverFiles(certs).load());
    server = BenchServer.start(new InetSocketAddress("127.0.0.1", 0), serverTls, 2);
    clientLoops = NettyTransport.select().newGroup("test-client", 2);
    dialer = new Dialer(server.address(), "server.dc2.meshfed", BenchTls.client(BenchCerts.clientFiles(certs).load()),
        clientLoops);
  }

  @AfterAll
  static void stop() {
    NettyTransport.shutdown(clientLoops);
    server.close();
  }

  @Test
  void bulkTransfersArriveIntactBothWays() throws Exception {
    // Not a multiple of the 64 KiB pattern block, nor of the connection count: the last chunk is partial.
    long total = 2 * 1024 * 1024 + 12_345;
    ThroughputTest.Figures f = ThroughputTest.run(dialer, 3, total, 100_000);

    assertThat(f.bytesEachWay()).isEqualTo(total / 3 * 3);
    assertThat(f.upMibPerSecond()).isPositive();
    assertThat(f.downMibPerSecond()).isPositive();
    assertThat(f.totalMibPerSecond()).isPositive();
  }

  @Test
  void everyConnectionIsAFullTls13Handshake() throws Exception {
    ConnRateTest.Figures f = ConnRateTest.run(dialer, 4, Duration.ofMillis(200), Duration.ofSeconds(1));

    assertThat(f.connectionsPerSecond()).isPositive();
    assertThat(f.errors()).as("first error: %s", f.firstError()).isZero();
    for (int i = 0; i < 3; i++) {
      Channel channel = dialer.connect(new ChannelInboundHandlerAdapter()).sync().getNow();
      try {
        SSLEngine engine = channel.pipeline().get(SslHandler.class).engine();
        assertThat(engine.getSession().getProtocol()).isEqualTo("TLSv1.3");
        assertThat(sessionReused(engine)).as("session resumed on connection %d", i).isFalse();
      } finally {
        channel.close().sync();
      }
    }
  }

  /** BoringSSL's SSL_session_reused, which netty keeps package-private. */
  private static boolean sessionReused(SSLEngine engine) throws ReflectiveOperationException {
    Method reused = engine.getClass().getSuperclass().getDeclaredMethod("isSessionReused");
    reused.setAccessible(true);
    return (boolean) reused.invoke(engine);
  }

  @Test
  void latencyRecordsEveryMeasuredRoundTrip() throws Exception {
    Histogram h = LatencyTest.run(dialer, 64, 50, 200);

    assertThat(h.getTotalCount()).isEqualTo(200);
    assertThat(h.getValueAtPercentile(50)).isPositive();
  }
}
