package io.meshfed.transport.gossip;

import io.meshfed.protocol.names.WireConstants;
import io.meshfed.transport.port.ProtocolHandler;
import io.meshfed.transport.port.ServerPort;
import io.meshfed.transport.port.ServerPortSettings;
import io.meshfed.transport.tls.TlsContexts;
import io.meshfed.transport.tls.TlsMaterial;
import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real server port serving both gossip protocols, as a server registers them: by ALPN id with TLS,
 * by type byte without. Records the packets received and the server ends of packet connections.
 */
final class GossipServer implements AutoCloseable {
  final ServerPort port;
  final GossipPacketReceiver packets;
  final GossipStreamReceiver streams;
  final List<GossipPacket> received = new CopyOnWriteArrayList<>();
  final Queue<Channel> packetConnections = new ConcurrentLinkedQueue<>();

  private GossipServer(TlsMaterial tls, Duration idleTimeout, GossipStreamHandler handler, Duration deadline)
      throws Exception {
    packets = new GossipPacketReceiver(received::add, idleTimeout);
    streams = new GossipStreamReceiver(handler, deadline);
    ProtocolHandler recordingPackets = (pipeline, info) -> {
      packetConnections.add(pipeline.channel());
      packets.install(pipeline, info);
    };
    ServerPortSettings.Builder settings = ServerPortSettings.builder("127.0.0.1", 0);
    if (tls != null) {
      settings.tls(TlsContexts.serverPort(tls, WireConstants.ALPN_IDS))
          .applicationProtocol(WireConstants.ALPN_WAN_GOSSIP_PACKET, recordingPackets)
          .applicationProtocol(WireConstants.ALPN_WAN_GOSSIP_STREAM, streams);
    } else {
      settings.plaintextProtocol(WireConstants.TYPE_WAN_GOSSIP_PACKET, recordingPackets)
          .plaintextProtocol(WireConstants.TYPE_WAN_GOSSIP_STREAM, streams);
    }
    port = ServerPort.start(settings.build());
  }

  static GossipServer tls(TlsMaterial material, Duration idleTimeout, GossipStreamHandler handler,
      Duration deadline) throws Exception {
    return new GossipServer(material, idleTimeout, handler, deadline);
  }

  static GossipServer plain(Duration idleTimeout, GossipStreamHandler handler, Duration deadline)
      throws Exception {
    return new GossipServer(null, idleTimeout, handler, deadline);
  }

  static GossipServer plain() throws Exception {
    return plain(GossipPackets.DEFAULT_IDLE_TIMEOUT, GossipTesting.ECHO, GossipStreamReceiver.DEFAULT_DEADLINE);
  }

  InetSocketAddress address() {
    return port.localAddress();
  }

  @Override
  public void close() {
    port.close();
  }
}
