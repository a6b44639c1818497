package io.meshfed.gateway;

import io.meshfed.transport.fuzz.Fuzz;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.gateway.metrics.GatewayMetrics;
import io.meshfed.gateway.metrics.Outcome;
import io.meshfed.gateway.route.RouteTable;
import io.meshfed.gateway.route.RoutingTableHolder;
import io.meshfed.gateway.sni.ClientHellos;
import io.meshfed.gateway.sni.HelloEvent;
import io.meshfed.gateway.sni.SniReader;
import io.meshfed.gateway.splice.SpliceConfig;
import io.meshfed.transport.limit.ConnectionLimit;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the gateway's ClientHello reading through the pipeline every client connection gets
 * ({@link ClientInitializer}: SniReader, then RouteDispatcher), in memory. The routing table is
 * empty, so a readable name ends as {@code unknown_sni} and nothing is dialed; a spy between the two
 * handlers sees the event and the bytes handed on.
 *
 * <p>Every connection must end with exactly one documented outcome (docs/gateway.md "Outcomes"),
 * no exception may reach the pipeline's end, the reader may never hold more than
 * {@code max-client-hello-bytes}, every buffer is released, the outcome does not depend on how
 * the bytes were cut into reads, and a valid ClientHello still reads right afterwards.
 */
class ClientHelloFuzzTest {
  private static final int MAX_HELLO = GatewaySettings.DEFAULT_MAX_CLIENT_HELLO_BYTES;
  private static final byte[] HOST_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789-._".getBytes(StandardCharsets.US_ASCII);
  private static final String REAL_NAME = "n1.server.dc1.meshfed";
  private static byte[] jdkHello;
  private static byte[] boringSslHello;
  private static byte[] jdkHelloWithoutName;

  /** One connection's fate as the metrics and the spy saw it. */
  private record Result(Outcome outcome, String hostName, byte[] handedOn, byte[] sent) {}

  /** A ClientHello with what the gateway must make of it. */
  private record Hello(byte[] wire, Outcome outcome, String hostName) {}

  // A cap of one: a connection the pipeline failed to close would refuse the next case's connection.
  private final ConnectionLimit limit = new ConnectionLimit(1);

  @BeforeAll
  static void realHellos() throws Exception {
    jdkHello = ClientHellos.jdk(REAL_NAME);
    boringSslHello = ClientHellos.boringSsl(REAL_NAME);
    jdkHelloWithoutName = ClientHellos.jdk(null);
  }

  @Test
  void validHellosReadTheirNameHoweverTheyAreCut() {
    Fuzz.run("gateway ClientHello, valid", c -> {
      Hello hello = validHello(c.random);
      byte[] tail = c.random.nextInt(4) == 0 ? Fuzz.bytes(c.random, 1 + c.random.nextInt(64)) : new byte[0];
      byte[] all = Fuzz.concat(hello.wire(), tail);
      Result result = connect(Fuzz.split(c.random, all), c);
      assertThat(result.outcome()).isEqualTo(hello.outcome());
      if (hello.outcome() == Outcome.UNKNOWN_SNI) {
        assertThat(result.hostName()).isEqualTo(hello.hostName());
        // The connection closes at the event (no route), so what came after it may be unsent.
        assertThat(result.handedOn()).as("every byte handed on unchanged").isEqualTo(result.sent());
      }
    });
  }

  @Test
  void truncatedHellosEndAsClientClosed() {
    Fuzz.run("gateway ClientHello, truncated", c -> {
      Hello hello = validHello(c.random);
      if (hello.outcome() == Outcome.TOO_LARGE) {
        return;
      }
      byte[] prefix = Arrays.copyOf(hello.wire(), c.random.nextInt(hello.wire().length));
      assertThat(connect(Fuzz.split(c.random, prefix), c).outcome()).isEqualTo(Outcome.CLIENT_CLOSED);
    });
  }

  @Test
  void mutatedAndRandomInputEndCleanlyTheSameWayHoweverCut() {
    Fuzz.run("gateway ClientHello, mutated and random", c -> {
      byte[] bytes = switch (c.random.nextInt(5)) {
        case 0 -> Fuzz.bytes(c.random, c.random.nextInt(200));
        case 1 -> Fuzz.concat(new byte[] {22, 3, (byte) c.random.nextInt(6)}, Fuzz.bytes(c.random, c.random.nextInt(300)));
        case 2 -> oversizedLength(c.random, validHello(c.random).wire());
        default -> Fuzz.mutate(c.random, validHello(c.random).wire());
      };
      Result whole = connect(List.of(bytes), c);
      Result split = connect(Fuzz.split(c.random, bytes), c);
      assertThat(split.outcome()).as("outcome when cut into reads").isEqualTo(whole.outcome());
      assertThat(split.hostName()).isEqualTo(whole.hostName());
      Hello after = validHello(c.random);
      assertThat(connect(List.of(after.wire()), c).outcome()).as("a valid hello afterwards").isEqualTo(after.outcome());
    });
  }

  /** Drives one connection through the real pipeline, then closes it as a client would. */
  private Result connect(List<byte[]> writes, Fuzz.Case c) {
    GatewayMetrics metrics = new GatewayMetrics(() -> 0, limit::open);
    // Selector and upstream bootstrap stay unset: with an empty table no connection is dialed.
    SpliceConfig config = new SpliceConfig(new RoutingTableHolder(RouteTable.EMPTY), metrics, null, null, 1, 10,
        Duration.ofHours(1), new DefaultChannelGroup(GlobalEventExecutor.INSTANCE));
    EmbeddedChannel channel = new EmbeddedChannel(
        new ClientInitializer(config, limit, new DrainSignal(limit::open), MAX_HELLO, Duration.ofSeconds(10)));
    Spy spy = new Spy();
    Tail tail = new Tail();
    assertThat(channel.pipeline().get("sni")).as("admitted").isNotNull();
    channel.pipeline().addAfter("sni", "spy", spy);
    channel.pipeline().addLast("tail", tail);
    List<ByteBuf> sent = new ArrayList<>();
    ByteArrayOutputStream sentBytes = new ByteArrayOutputStream();
    for (byte[] write : writes) {
      if (!channel.isOpen()) {
        break;
      }
      if (write.length == 0) {
        // A read never delivers nothing (and Netty's empty buffer is never released).
        continue;
      }
      sentBytes.writeBytes(write);
      ByteBuf buf = Unpooled.wrappedBuffer(c.input(write));
      sent.add(buf);
      channel.writeInbound(buf);
      SniReader reader = channel.pipeline().get(SniReader.class);
      if (reader != null) {
        assertThat(Fuzz.buffered(reader)).as("bytes the reader holds").isLessThanOrEqualTo(MAX_HELLO);
      }
    }
    channel.close();
    channel.checkException();
    assertThat(tail.exceptions).as("exceptions reaching the pipeline's end").isEmpty();
    assertThat(spy.events).as("one event per connection").hasSize(1);
    assertThat(sent).as("buffers released").allSatisfy(buf -> assertThat(buf.refCnt()).isZero());
    List<Outcome> counted = new ArrayList<>();
    for (Outcome outcome : Outcome.values()) {
      counted.addAll(Collections.nCopies((int) metrics.unrouted().total(outcome), outcome));
    }
    assertThat(counted).as("outcomes counted").hasSize(1);
    assertThat(counted.get(0)).isIn(Outcome.UNKNOWN_SNI, Outcome.NO_SNI, Outcome.NOT_TLS, Outcome.MALFORMED,
        Outcome.TOO_LARGE, Outcome.CLIENT_CLOSED);
    String name = spy.events.get(0) instanceof HelloEvent.ServerNamed named ? named.hostName() : null;
    return new Result(counted.get(0), name, spy.bytes.toByteArray(), sentBytes.toByteArray());
  }

  /** A real or hand-made ClientHello, re-cut into records of random size. */
  private static Hello validHello(SplittableRandom random) {
    int kind = random.nextInt(8);
    String host = kind < 3 ? REAL_NAME : randomHost(random);
    byte[] single = switch (kind) {
      case 0 -> jdkHello;
      case 1 -> boringSslHello;
      case 2 -> jdkHelloWithoutName;
      default -> synthetic(random, host);
    };
    boolean named = kind != 2 && single != null && hasName(single, host);
    int recordSize = random.nextInt(3) == 0 ? 1 + random.nextInt(64) : 1 + random.nextInt(1 << 14);
    byte[] wire = ClientHellos.refragment(single, recordSize);
    Outcome outcome = wire.length > MAX_HELLO ? Outcome.TOO_LARGE : named ? Outcome.UNKNOWN_SNI : Outcome.NO_SNI;
    return new Hello(wire, outcome, named ? host : null);
  }

  /**
   * Whether {@code hello} has a server_name extension naming {@code host}. The bare name is not
   * enough: a short one also turns up in random ALPN or extension bytes (a one-character host did,
   * under {@code -Pfuzz-long}).
   */
  private static boolean hasName(byte[] hello, String host) {
    return ByteBufUtil.indexOf(Unpooled.wrappedBuffer(ClientHellos.hostName(host)), Unpooled.wrappedBuffer(hello)) >= 0;
  }

  /** One record holding a ClientHello with SNI (most of the time), ALPN, padding and unknown extensions. */
  private static byte[] synthetic(SplittableRandom random, String host) {
    List<byte[]> extensions = new ArrayList<>();
    if (random.nextInt(10) > 0) {
      extensions.add(ClientHellos.hostName(host));
    } else {
      // An empty server_name is what servers echo; it names no host.
      if (random.nextBoolean()) {
        extensions.add(ClientHellos.extension(0, new byte[0]));
      }
    }
    if (random.nextBoolean()) {
      ByteArrayOutputStream names = new ByteArrayOutputStream();
      for (int i = 0, n = 1 + random.nextInt(3); i < n; i++) {
        byte[] id = Fuzz.bytes(random, 1 + random.nextInt(20));
        names.write(id.length);
        names.writeBytes(id);
      }
      extensions.add(ClientHellos.extension(16, Fuzz.concat(ClientHellos.u16(names.size()), names.toByteArray())));
    }
    if (random.nextInt(4) == 0) {
      // Padding (RFC 7685) around the size limit, so both sides of it are reached.
      int padding = random.nextBoolean() ? random.nextInt(MAX_HELLO + 2048) : random.nextInt(512);
      extensions.add(ClientHellos.extension(21, new byte[padding]));
    }
    for (int i = 0, n = random.nextInt(3); i < n; i++) {
      extensions.add(ClientHellos.extension(0x1000 + i * 0x100 + random.nextInt(0x100), Fuzz.bytes(random, random.nextInt(40))));
    }
    Collections.shuffle(extensions, new java.util.Random(random.nextLong()));
    return random.nextInt(20) == 0 && extensions.isEmpty()
        ? ClientHellos.synthetic((byte[][]) null)
        : ClientHellos.synthetic(extensions.toArray(byte[][]::new));
  }

  private static String randomHost(SplittableRandom random) {
    byte[] name = new byte[1 + random.nextInt(60)];
    for (int i = 0; i < name.length; i++) {
      name[i] = HOST_CHARS[random.nextInt(HOST_CHARS.length)];
    }
    return new String(name, StandardCharsets.US_ASCII);
  }

  /** Sets a record, handshake or vector length of a valid hello to a large value. */
  private static byte[] oversizedLength(SplittableRandom random, byte[] wire) {
    byte[] out = wire.clone();
    int[] large = {0x3fff, 0x4000, 0x4001, 0x7fff, 0xffff};
    switch (random.nextInt(3)) {
      case 0 -> {
        int value = large[random.nextInt(large.length)];
        out[3] = (byte) (value >> 8);
        out[4] = (byte) value;
      }
      case 1 -> {
        // The handshake length (uint24) of the first record.
        int value = random.nextBoolean() ? 0xffffff : MAX_HELLO - 9 + random.nextInt(3);
        if (out.length > 8) {
          out[6] = (byte) (value >> 16);
          out[7] = (byte) (value >> 8);
          out[8] = (byte) value;
        }
      }
      default -> {
        int at = 9 + random.nextInt(Math.max(1, out.length - 10));
        if (at + 1 < out.length) {
          out[at] = (byte) 0xff;
          out[at + 1] = (byte) 0xff;
        }
      }
    }
    return out;
  }

  /** Records what the reader reports and hands on, and passes both to the dispatcher. */
  private static final class Spy extends ChannelInboundHandlerAdapter {
    final List<HelloEvent> events = new ArrayList<>();
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
      if (event instanceof HelloEvent hello) {
        events.add(hello);
      }
      ctx.fireUserEventTriggered(event);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      bytes.writeBytes(ByteBufUtil.getBytes((ByteBuf) msg));
      ctx.fireChannelRead(msg);
    }
  }

  /** Whatever reaches the end of the pipeline would go to Netty's default handler: a defect. */
  private static final class Tail extends ChannelInboundHandlerAdapter {
    final List<Throwable> exceptions = new ArrayList<>();

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      exceptions.add(cause);
    }
  }
}
