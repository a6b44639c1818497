package io.meshfed.transport.gossip;

import static io.meshfed.transport.gossip.GossipTesting.CONNECT_TIMEOUT;
import static io.meshfed.transport.gossip.GossipTesting.WAIT;
import static io.meshfed.transport.gossip.GossipTesting.await;
import static io.meshfed.transport.gossip.GossipTesting.bytes;
import static io.meshfed.transport.gossip.GossipTesting.failure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshfed.protocol.names.WireConstants;
import io.meshfed.transport.port.ServerPort;
import io.meshfed.transport.port.ServerPortSettings;
import io.meshfed.transport.tls.TlsContexts;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dialers: the SNI names the member, its certificate must match it, and ALPN must agree. */
class GossipTlsTest {
  @TempDir Path dir;
  private GossipTestPki pki;

  @BeforeEach
  void createPki() throws Exception {
    pki = new GossipTestPki(dir);
  }

  @Test
  void aServerWhoseCertificateDoesNotNameTheMemberIsRefused() throws Exception {
    try (GossipServer server = GossipServer.tls(pki.server("dc1", "n1"), GossipPackets.DEFAULT_IDLE_TIMEOUT,
            GossipTesting.ECHO, GossipStreamReceiver.DEFAULT_DEADLINE);
        GossipPackets packets = new GossipPackets(dialer())) {
      // n1 answers where n2 (or n1 of another DC) was expected: a wrong gateway route, say.
      for (String member : List.of("n2.dc1", "n1.dc2")) {
        String sni = member.replace(".", ".server.") + ".meshfed";
        assertThat(failure(packets.send(member, server.address(), bytes("x"))))
            .isInstanceOf(IOException.class)
            .hasMessageStartingWith("TLS handshake with " + sni + " via 127.0.0.1:" + server.address().getPort());
      }
      assertThat(server.port.stats().dispatched()).isZero();
      assertThat(server.received).isEmpty();

      await(packets.send("n1.dc1", server.address(), bytes("right name")));
      await().atMost(WAIT).until(() -> server.received.size() == 1);
    }
  }

  @Test
  void theJoinPlaceholderDialsAnyServerOfItsDatacenter() throws Exception {
    try (GossipServer server = GossipServer.tls(pki.server("dc1", "n1"), GossipPackets.DEFAULT_IDLE_TIMEOUT,
            GossipTesting.ECHO, GossipStreamReceiver.DEFAULT_DEADLINE);
        GossipStreams streams = new GossipStreams(dialer())) {
      // server.dc1.meshfed is in every dc1 server's certificate, so whichever server answers is accepted
      assertThat(GossipTesting.text(await(streams.exchange("*.dc1", server.address(), bytes("join"), WAIT))))
          .isEqualTo("join");
      // ... and only a dc1 server: the SNI names the DC
      assertThat(failure(streams.exchange("*.dc2", server.address(), bytes("join"), WAIT)))
          .isInstanceOf(IOException.class)
          .hasMessageStartingWith("TLS handshake with server.dc2.meshfed via 127.0.0.1:" + server.address().getPort());
      assertThat(failure(streams.exchange("*.DC 1", server.address(), bytes("join"), WAIT)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("member name does not encode a datacenter: *.DC 1");
    }
  }

  @Test
  void aServerThatDoesNotSpeakGossipIsRefused() throws Exception {
    ServerPort rpcOnly = ServerPort.start(ServerPortSettings.builder("127.0.0.1", 0)
        .tls(TlsContexts.serverPort(pki.server("dc1", "n1"), List.of(WireConstants.ALPN_RPC)))
        .applicationProtocol(WireConstants.ALPN_RPC, (pipeline, info) -> { })
        .build());
    try (rpcOnly; GossipPackets packets = new GossipPackets(dialer())) {
      assertThat(failure(packets.send("n1.dc1", rpcOnly.localAddress(), bytes("x"))))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("n1.server.dc1.meshfed via 127.0.0.1:" + rpcOnly.localAddress().getPort());
      assertThat(packets.counters().connectionsOpened()).isZero();
    }
  }

  @Test
  void plaintextNeverLeavesTheLocalDatacenter() throws Exception {
    try (GossipPackets packets = new GossipPackets(new PlainGossipDialer("dc1", CONNECT_TIMEOUT))) {
      assertThat(failure(packets.send("n1.dc2", new InetSocketAddress("127.0.0.1", 1), bytes("x"))))
          .isInstanceOf(IOException.class)
          .hasMessage("gossip with n1.dc2 in datacenter dc2 needs TLS: plaintext is only for members of dc1");
      assertThat(failure(packets.send("*.dc2", new InetSocketAddress("127.0.0.1", 1), bytes("x"))))
          .isInstanceOf(IOException.class)
          .hasMessage("gossip with *.dc2 in datacenter dc2 needs TLS: plaintext is only for members of dc1");
    }
  }

  @Test
  void aMemberNameWithoutDatacenterIsRefused() throws Exception {
    try (GossipPackets packets = new GossipPackets(dialer())) {
      assertThat(failure(packets.send("n1", new InetSocketAddress("127.0.0.1", 1), bytes("x"))))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("member name does not encode a datacenter: n1");
    }
  }

  /** What a mesh gateway does with a name it cannot route: accept, then close before any TLS. */
  @Test
  void aConnectionClosedDuringTheHandshakeIsNamedAsSuch() throws Exception {
    try (ServerSocket closer = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        GossipPackets packets = new GossipPackets(dialer())) {
      Thread acceptor = new Thread(() -> {
        try (Socket accepted = closer.accept()) {
          accepted.getInputStream().read(); // the ClientHello's first byte, then close
        } catch (IOException closedByTheTest) {
          // the test is over
        }
      });
      acceptor.start();
      assertThat(failure(packets.send("n1.dc1", (InetSocketAddress) closer.getLocalSocketAddress(), bytes("x"))))
          .isInstanceOf(IOException.class)
          .hasMessageEndingWith("failed: the connection closed before the handshake completed (a mesh gateway"
              + " closes a connection whose name it cannot route)");
      acceptor.join(WAIT.toMillis());
    }
  }

  private TlsGossipDialer dialer() throws Exception {
    return TlsGossipDialer.create(pki.server("dc1", "n0"), GossipTestPki.DOMAIN, CONNECT_TIMEOUT);
  }
}
