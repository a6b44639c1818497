package io.meshfed.transport.port;

import io.meshfed.transport.fuzz.Fuzz;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.protocol.names.WireConstants;
import io.meshfed.transport.gossip.GossipPacketReceiver;
import io.meshfed.transport.gossip.GossipStreamReceiver;
import io.meshfed.transport.gossip.MalformedGossipPacketException;
import io.meshfed.transport.limit.ConnectionLimit;
import io.meshfed.transport.rpc.RpcServer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes what a plaintext server port parses (docs/architecture.md "The server port and its
 * limits"): the first byte, then internal RPC frames (0x01), WAN gossip packets (0x02) and gossip
 * stream exchanges (0x03), through the port's real initializer and the receivers a server registers,
 * in memory. Every case checks: only the documented outcomes (a counted refusal, {@code
 * protocolErrors}, {@code refusedOversize}, {@code packetsDropped}), no exception past the last
 * handler, the frame decoders never hold more than one frame's limit, and valid input still parses
 * afterwards, on the same connection where the protocol allows it.
 */
class ServerPortFuzzTest {
  private static final InetSocketAddress PEER = new InetSocketAddress("127.0.0.1", 40000);
  private static final int RPC_LIMIT = RpcServer.DEFAULT_MAX_FRAME_BYTES;
  private static final int GOSSIP_LIMIT = WireConstants.MAX_GOSSIP_FRAME_BYTES;
  private static final long DEADLINE_MILLIS = 60_000;
  private static final byte REQUEST = 1;
  private static final byte RESPONSE = 2;
  private static final byte STREAM_ITEM = 3;
  private static final byte STREAM_END = 4;
  private static final byte ERROR = 5;
  private static final byte CANCEL = 6;
  private static final byte PING = 7;
  private static final byte PONG = 8;
  /** Payloads a gossip listener cannot decode start with this byte, as a codec would refuse them. */
  private static final byte UNDECODABLE = (byte) 0xff;

  private final RpcServer rpc = RpcServer.builder()
      .unary("echo", CompletableFuture::completedFuture)
      .stream("items", (request, sink) -> {
        sink.next(request);
        sink.complete();
        return () -> {};
      })
      .build();
  private final List<byte[]> packets = new ArrayList<>();
  private final GossipPacketReceiver packetReceiver = new GossipPacketReceiver(packet -> {
    if (packet.payload()[0] == UNDECODABLE) {
      throw new MalformedGossipPacketException("undecodable", null);
    }
    packets.add(packet.payload());
  });
  private final GossipStreamReceiver streamReceiver =
      new GossipStreamReceiver((request, connection) -> CompletableFuture.completedFuture(request));
  // A cap of one: a connection the pipeline failed to close would refuse the next case's connection.
  private final ConnectionLimit limit = new ConnectionLimit(1);
  private final ServerPortStats stats = new ServerPortStats(limit::open);
  private final List<Tail> tails = new ArrayList<>();
  private final ServerPortInitializer initializer = new ServerPortInitializer(
      ServerPortSettings.builder("127.0.0.1", 0)
          .plaintextProtocol(WireConstants.TYPE_RPC, withTail((pipeline, info) -> rpc.pipelineInstaller().accept(pipeline)))
          .plaintextProtocol(WireConstants.TYPE_WAN_GOSSIP_PACKET, withTail(packetReceiver))
          .plaintextProtocol(WireConstants.TYPE_WAN_GOSSIP_STREAM, withTail(streamReceiver))
          .build(),
      stats, limit, new DefaultChannelGroup(GlobalEventExecutor.INSTANCE));

  @Test
  void unknownFirstBytesAreRefusedOnce() {
    Fuzz.run("server port first byte", c -> {
      int first = c.random.nextInt(256);
      byte[] bytes = Fuzz.concat(new byte[] {(byte) first}, Fuzz.bytes(c.random, c.random.nextInt(64)));
      long refusedBefore = stats.refused(RefusalReason.UNKNOWN_FIRST_BYTE);
      long dispatchedBefore = stats.dispatched();
      Connection connection = connect(Fuzz.split(c.random, bytes), c);
      boolean served = first >= WireConstants.TYPE_RPC && first <= WireConstants.TYPE_HIGHEST;
      assertThat(stats.dispatched() - dispatchedBefore).isEqualTo(served ? 1 : 0);
      assertThat(stats.refused(RefusalReason.UNKNOWN_FIRST_BYTE) - refusedBefore).isEqualTo(served ? 0 : 1);
      assertThat(!connection.channel.isOpen() || served).as("an unknown first byte closes").isTrue();
      connection.close();
      assertThat(stats.refusedTotal()).as("refusals other than unknown first bytes").isEqualTo(
          stats.refused(RefusalReason.UNKNOWN_FIRST_BYTE));
    });
  }

  @Test
  void rpcFramesEndInAnswersOrOneProtocolError() {
    Fuzz.run("server port RPC frames", c -> {
      Rpc valid = validRpc(c.random);
      byte[] garbage = switch (c.random.nextInt(4)) {
        case 0 -> Fuzz.bytes(c.random, c.random.nextInt(200));
        case 1 -> oversizedLength(c.random, valid.bytes(), RPC_LIMIT);
        default -> Fuzz.mutate(c.random, valid.bytes());
      };
      long errorsBefore = rpc.stats().protocolErrors();
      Connection connection = connect(Fuzz.split(c.random, withType(WireConstants.TYPE_RPC, garbage)), c);
      boolean closedByServer = !connection.channel.isOpen();
      assertThat(rpc.stats().protocolErrors() - errorsBefore).as("protocol errors counted")
          .isEqualTo(closedByServer ? 1 : 0);
      connection.close();
      assertThat(rpc.stats().handlerFailures()).isZero();

      Rpc after = validRpc(c.random);
      Connection fresh = connect(Fuzz.split(c.random, withType(WireConstants.TYPE_RPC, after.bytes())), c);
      assertThat(fresh.channel.isOpen()).as("a valid stream keeps its connection").isTrue();
      assertThat(sorted(frames(fresh.outbound()))).as("answers to a valid stream").isEqualTo(sorted(after.answers()));
      fresh.close();
    });
  }

  @Test
  void gossipPacketsAreDeliveredDroppedOrRefusedOversize() {
    Fuzz.run("server port gossip packets", c -> {
      // Well-framed packets with any payload: each is delivered or dropped, and the connection kept.
      ByteArrayOutputStream framed = new ByteArrayOutputStream();
      int deliverable = 0;
      int undeliverable = 0;
      for (int i = 0, n = 1 + c.random.nextInt(5); i < n; i++) {
        byte[] payload = Fuzz.bytes(c.random, c.random.nextInt(4) == 0 ? 0 : c.random.nextInt(300));
        if (payload.length > 0 && c.random.nextInt(3) == 0) {
          payload[0] = UNDECODABLE;
        }
        framed.writeBytes(frame(payload));
        if (payload.length == 0 || payload[0] == UNDECODABLE) {
          undeliverable++;
        } else {
          deliverable++;
        }
      }
      byte[] last = Fuzz.concat(new byte[] {1}, Fuzz.bytes(c.random, c.random.nextInt(100)));
      framed.writeBytes(frame(last));
      packets.clear();
      long droppedBefore = packetReceiver.counters().packetsDropped();
      Connection kept = connect(Fuzz.split(c.random, withType(WireConstants.TYPE_WAN_GOSSIP_PACKET, framed.toByteArray())), c);
      assertThat(kept.channel.isOpen()).as("dropped packets keep the connection").isTrue();
      assertThat(packetReceiver.counters().packetsDropped() - droppedBefore).isEqualTo(undeliverable);
      assertThat(packets).hasSize(deliverable + 1);
      assertThat(packets.get(packets.size() - 1)).as("the packet after the dropped ones").isEqualTo(last);
      kept.close();

      // Broken framing: closed only for an oversize length, counted once.
      byte[] garbage = switch (c.random.nextInt(3)) {
        case 0 -> Fuzz.bytes(c.random, c.random.nextInt(200));
        case 1 -> oversizedLength(c.random, framed.toByteArray(), GOSSIP_LIMIT);
        default -> Fuzz.mutate(c.random, framed.toByteArray());
      };
      long oversizeBefore = packetReceiver.counters().refusedOversize();
      Connection broken = connect(Fuzz.split(c.random, withType(WireConstants.TYPE_WAN_GOSSIP_PACKET, garbage)), c);
      assertThat(packetReceiver.counters().refusedOversize() - oversizeBefore).as("refusedOversize")
          .isEqualTo(broken.channel.isOpen() ? 0 : 1);
      broken.close();
      assertThat(packetReceiver.counters().handlerFailures()).isZero();
    });
  }

  @Test
  void gossipStreamsAnswerOneRequestOrClose() {
    Fuzz.run("server port gossip streams", c -> {
      byte[] request = Fuzz.bytes(c.random, c.random.nextInt(300));
      byte[] valid = Fuzz.concat(frame(request), c.random.nextBoolean() ? frame(request) : new byte[0]);
      byte[] bytes = switch (c.random.nextInt(4)) {
        case 0 -> valid;
        case 1 -> oversizedLength(c.random, valid, GOSSIP_LIMIT);
        case 2 -> Fuzz.bytes(c.random, c.random.nextInt(200));
        default -> Fuzz.mutate(c.random, valid);
      };
      long oversizeBefore = streamReceiver.counters().refusedOversize();
      long receivedBefore = streamReceiver.counters().framesReceived();
      Connection connection = connect(Fuzz.split(c.random, withType(WireConstants.TYPE_WAN_GOSSIP_STREAM, bytes)), c);
      long oversize = streamReceiver.counters().refusedOversize() - oversizeBefore;
      long received = streamReceiver.counters().framesReceived() - receivedBefore;
      byte[] answer = connection.outbound();
      assertThat(received).as("requests read").isLessThanOrEqualTo(1);
      assertThat(oversize + received).isLessThanOrEqualTo(1);
      if (received == 1) {
        assertThat(connection.channel.isOpen()).as("closed once answered").isFalse();
        assertThat(answer).as("one answer frame").hasSize(4 + frameLength(answer));
      } else {
        assertThat(answer).isEmpty();
        assertThat(connection.channel.isOpen()).isEqualTo(oversize == 0);
      }
      if (bytes == valid) {
        assertThat(answer).isEqualTo(frame(request));
      }
      connection.close();
    });
  }

  /**
   * Found by the fuzzer (seed 0xb0e68ddb984dcdab): two client ERROR frames in one read. The first
   * closes the connection for a protocol error; the second was still decoded and dispatched on the
   * closed connection and counted a second protocol error (a REQUEST there would have started a
   * call that nothing ends).
   */
  @Test
  void framesReadWithTheOneAConnectionClosesForAreNotServed() {
    long errorsBefore = rpc.stats().protocolErrors();
    Connection connection = connect(hex(
        "010000000d00000000072d907180cfda1bc5000000350000000301010000",
        "00000000ea6000056974656d73a536ff1d0b86fd5c7dc0162b715b6fb9cc904c9b693c93dd8883ebb9e6d9ddac",
        "0000000d00000000073d902dc5ce7a52490000000d0000c46d05490000000d0000c46d05d24221bd570000076119da27015e31a9"));
    assertThat(connection.channel.isOpen()).isFalse();
    assertThat(rpc.stats().protocolErrors() - errorsBefore).isEqualTo(1);
    connection.close();
  }

  /**
   * Found by the fuzzer (seed 0xc33cd92da02aa460): a stream request followed, in the same read, by
   * a length over 4 MiB. The exchange was answered and the connection closed, and then the length
   * was still decoded and counted as a refused oversize frame of that connection.
   */
  @Test
  void bytesAfterAnAnsweredStreamRequestAreNotCountedAsRefusals() {
    long oversizeBefore = streamReceiver.counters().refusedOversize();
    Connection connection = connect(hex(
        "030000009b27ab",
        "9b74f1f1d206de1f",
        "5238d9590635f45c0a75c4b5f95b317ae7627b00dd1da9bdd17740a772a10f5d711f6bccb3286f86401839149dab65302c3b582635fd59b77db8ccf705b7cbd37b4f6c7ec100b6bdd758560a12",
        "45e886fe721a7fe0a13a5b586d38182577b4732f82391e83336bbf30461251c42327c1b543c3850c37d80a979151deb63af8b3c4121d222585d78396c3692298fc01cbad7e780bf275e80fa6fee7a005"));
    assertThat(connection.outbound()).as("answered").isNotEmpty();
    assertThat(streamReceiver.counters().refusedOversize() - oversizeBefore).isZero();
    connection.close();
  }

  private static List<byte[]> hex(String... writes) {
    return java.util.Arrays.stream(writes).map(ByteBufUtil::decodeHexDump).toList();
  }

  private static int frameLength(byte[] frame) {
    return frame.length < 4 ? 0 : Unpooled.wrappedBuffer(frame).getInt(0);
  }

  private Connection connect(List<byte[]> writes) {
    return connect(writes, new Fuzz.Case(0));
  }

  /**
   * One connection through the port's initializer, with {@code writes} delivered as reads and
   * recorded in {@code c}.
   */
  private Connection connect(List<byte[]> writes, Fuzz.Case c) {
    tails.clear();
    EmbeddedChannel channel = new PeerChannel(initializer);
    assertThat(channel.pipeline().get(ServerPortInitializer.FIRST_BYTE)).as("admitted").isNotNull();
    Connection connection = new Connection(channel);
    for (byte[] write : writes) {
      if (!channel.isOpen()) {
        break;
      }
      if (write.length == 0) {
        continue;
      }
      channel.writeInbound(Unpooled.wrappedBuffer(c.input(write)));
      channel.runPendingTasks();
      connection.checkBuffered();
    }
    connection.checkClean();
    return connection;
  }

  private ProtocolHandler withTail(ProtocolHandler handler) {
    return (pipeline, info) -> {
      handler.install(pipeline, info);
      Tail tail = new Tail();
      tails.add(tail);
      pipeline.addLast("fuzz-tail", tail);
    };
  }

  private final class Connection {
    final EmbeddedChannel channel;
    private final ByteArrayOutputStream outbound = new ByteArrayOutputStream();

    Connection(EmbeddedChannel channel) {
      this.channel = channel;
    }

    void checkBuffered() {
      for (String name : List.of("rpc-frame-splitter", "gossip-frame-decoder")) {
        ChannelHandler decoder = channel.pipeline().get(name);
        if (decoder != null) {
          int limit = name.startsWith("rpc") ? RPC_LIMIT : GOSSIP_LIMIT;
          assertThat(Fuzz.buffered((ByteToMessageDecoder) decoder)).as("bytes %s holds", name)
              .isLessThanOrEqualTo(4 + limit);
        }
      }
    }

    void checkClean() {
      channel.checkException();
      for (Tail tail : tails) {
        assertThat(tail.exceptions).as("exceptions reaching the pipeline's end").isEmpty();
      }
    }

    byte[] outbound() {
      for (Object message; (message = channel.readOutbound()) != null; ) {
        ByteBuf buf = (ByteBuf) message;
        outbound.writeBytes(ByteBufUtil.getBytes(buf));
        buf.release();
      }
      return outbound.toByteArray();
    }

    void close() {
      channel.close();
      channel.runPendingTasks();
      checkClean();
      outbound();
    }
  }

  /** What a valid RPC stream is and what the server must answer to it. */
  private record Rpc(byte[] bytes, List<String> answers) {}

  private static Rpc validRpc(SplittableRandom random) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    List<String> answers = new ArrayList<>();
    int id = 1;
    for (int i = 0, n = 1 + random.nextInt(5); i < n; i++, id += 2 + 2 * random.nextInt(3)) {
      byte[] payload = Fuzz.bytes(random, random.nextInt(100));
      switch (random.nextInt(6)) {
        case 0 -> {
          out.writeBytes(request(id, "items", true, payload));
          answers.add(answer(id, STREAM_ITEM, payload));
          answers.add(answer(id, STREAM_END, new byte[0]));
        }
        case 1 -> {
          out.writeBytes(request(id, "nope", false, payload));
          answers.add(id + ":" + ERROR);
        }
        case 2 -> {
          byte[] opaque = Fuzz.bytes(random, 8);
          out.writeBytes(rpcFrame(0, PING, opaque));
          answers.add(answer(0, PONG, opaque));
        }
        case 3 -> out.writeBytes(rpcFrame(id, CANCEL, new byte[0]));
        default -> {
          out.writeBytes(request(id, "echo", false, payload));
          answers.add(answer(id, RESPONSE, payload));
        }
      }
    }
    return new Rpc(out.toByteArray(), answers);
  }

  private static byte[] request(int id, String method, boolean streaming, byte[] payload) {
    byte[] name = method.getBytes(StandardCharsets.UTF_8);
    ByteBuf body = Unpooled.buffer();
    body.writeByte(streaming ? 1 : 0).writeLong(DEADLINE_MILLIS).writeShort(name.length).writeBytes(name).writeBytes(payload);
    return rpcFrame(id, REQUEST, ByteBufUtil.getBytes(body));
  }

  private static byte[] rpcFrame(int id, byte type, byte[] payload) {
    ByteBuf frame = Unpooled.buffer();
    frame.writeInt(5 + payload.length).writeInt(id).writeByte(type).writeBytes(payload);
    return ByteBufUtil.getBytes(frame);
  }

  /** An answer as compared: ERROR frames by stream alone, their message is the server's wording. */
  private static String answer(int id, byte type, byte[] payload) {
    return id + ":" + type + ":" + ByteBufUtil.hexDump(payload);
  }

  private static List<String> frames(byte[] bytes) {
    ByteBuf in = Unpooled.wrappedBuffer(bytes);
    List<String> frames = new ArrayList<>();
    while (in.isReadable()) {
      int length = in.readInt();
      int id = in.readInt();
      byte type = in.readByte();
      byte[] payload = ByteBufUtil.getBytes(in.readSlice(length - 5));
      frames.add(type == ERROR ? id + ":" + type : answer(id, type, payload));
    }
    return frames;
  }

  private static List<String> sorted(List<String> frames) {
    List<String> copy = new ArrayList<>(frames);
    copy.sort(null);
    return copy;
  }

  private static byte[] frame(byte[] payload) {
    return Fuzz.concat(Unpooled.copyInt(payload.length).array(), payload);
  }

  private static byte[] withType(byte type, byte[] bytes) {
    return Fuzz.concat(new byte[] {type}, bytes);
  }

  /** Sets the length prefix of the first frame to a value at or beyond {@code limit}, or the largest. */
  private static byte[] oversizedLength(SplittableRandom random, byte[] bytes, int limit) {
    byte[] out = bytes.length < 4 ? java.util.Arrays.copyOf(bytes, 4) : bytes.clone();
    long[] lengths = {limit, limit + 1L, limit + 2L + random.nextInt(1 << 20), 0xffffffffL, 0x80000000L};
    long length = lengths[random.nextInt(lengths.length)];
    out[0] = (byte) (length >> 24);
    out[1] = (byte) (length >> 16);
    out[2] = (byte) (length >> 8);
    out[3] = (byte) length;
    return out;
  }

  /** An EmbeddedChannel with an internet peer address, which the port's connection info requires. */
  private static final class PeerChannel extends EmbeddedChannel {
    PeerChannel(ChannelHandler handler) {
      super(handler);
    }

    @Override
    protected SocketAddress remoteAddress0() {
      return PEER;
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
