package io.meshfed.gateway.sni;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The reader in a pipeline: one event per connection, every byte passed on unchanged. */
class SniReaderTest {
  private static final String NAME = "n1.server.dc1.meshfed";
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final Recorder recorder = new Recorder();
  private final EmbeddedChannel channel = new EmbeddedChannel();

  @BeforeEach
  void pipeline() {
    // Frozen before the reader schedules its deadline, so only advanceTimeBy moves it closer.
    channel.freezeTime();
    channel.pipeline().addLast(new SniReader(16 * 1024, TIMEOUT), recorder);
  }

  @Test
  void passesEveryByteOnAfterTheEventWhenFedOneByteAtATime() throws Exception {
    byte[] hello = ClientHellos.refragment(ClientHellos.boringSsl(NAME), 50);
    byte[] tail = "after the hello".getBytes(StandardCharsets.US_ASCII);
    byte[] all = ClientHellos.concat(hello, tail);
    for (byte b : all) {
      channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
    }
    assertThat(recorder.events).containsExactly(new HelloEvent.ServerNamed(NAME));
    assertThat(recorder.bytes.toByteArray()).isEqualTo(all);
    assertThat(recorder.bytesBeforeEvent).isZero();
    assertThat(channel.pipeline().get(SniReader.class)).as("removed itself").isNull();
  }

  @Test
  void refusesOnceAndDiscardsWhatFollows() {
    channel.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.1\r\n", StandardCharsets.US_ASCII));
    channel.writeInbound(Unpooled.copiedBuffer("Host: x\r\n\r\n", StandardCharsets.US_ASCII));
    channel.close();
    assertThat(recorder.events).singleElement().isInstanceOfSatisfying(HelloEvent.Refused.class,
        refused -> assertThat(refused.reason()).isEqualTo(Rejection.NOT_TLS));
    assertThat(recorder.bytes.size()).isZero();
  }

  @Test
  void timesOutWhenTheHelloIsIncomplete() throws Exception {
    byte[] hello = ClientHellos.jdk(NAME);
    channel.writeInbound(Unpooled.wrappedBuffer(hello, 0, hello.length / 2));
    channel.advanceTimeBy(TIMEOUT.toMillis() - 1, TimeUnit.MILLISECONDS);
    channel.runScheduledPendingTasks();
    assertThat(recorder.events).isEmpty();
    channel.advanceTimeBy(1, TimeUnit.MILLISECONDS);
    channel.runScheduledPendingTasks();
    assertThat(recorder.events).containsExactly(new HelloEvent.Refused(Rejection.TIMEOUT, "no complete ClientHello within 10000 ms"));
  }

  @Test
  void theDeadlineIsCancelledOnceTheNameIsRead() throws Exception {
    channel.writeInbound(Unpooled.wrappedBuffer(ClientHellos.jdk(NAME)));
    channel.advanceTimeBy(TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS);
    channel.runScheduledPendingTasks();
    assertThat(recorder.events).containsExactly(new HelloEvent.ServerNamed(NAME));
  }

  @Test
  void aClientClosingMidHelloIsReportedOnce() throws Exception {
    byte[] hello = ClientHellos.jdk(NAME);
    channel.writeInbound(Unpooled.wrappedBuffer(hello, 0, 20));
    channel.close();
    assertThat(recorder.events).singleElement().isInstanceOfSatisfying(HelloEvent.Refused.class,
        refused -> assertThat(refused.reason()).isEqualTo(Rejection.CLIENT_CLOSED));
  }

  /** Stands where the router would: records events and bytes in arrival order. */
  private static final class Recorder extends ChannelInboundHandlerAdapter {
    final List<HelloEvent> events = new ArrayList<>();
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int bytesBeforeEvent;

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
      if (event instanceof HelloEvent hello) {
        events.add(hello);
      }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf buf = (ByteBuf) msg;
      if (events.isEmpty()) {
        bytesBeforeEvent += buf.readableBytes();
      }
      bytes.writeBytes(ByteBufUtil.getBytes(buf));
      buf.release();
    }
  }
}
