package io.meshfed.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.meshfed.gateway.route.RouteTable;
import io.meshfed.gateway.route.RouteTableBuilder;
import io.meshfed.gateway.route.RoutingInputs;
import io.netty.channel.epoll.Epoll;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Shared helpers of the gateway tests: tables, settings, plain sockets. */
final class GatewayTesting {
  static final Duration WAIT = Duration.ofSeconds(20);
  static final String DOMAIN = "meshfed";

  private GatewayTesting() {}

  static RouteTable table(long version, String dc, Map<String, InetSocketAddress> servers,
                          Map<String, List<InetSocketAddress>> remoteGateways) {
    return RouteTableBuilder.build(version, new RoutingInputs(dc, DOMAIN, true, servers, remoteGateways));
  }

  static RouteTable dc1(long version, Map<String, InetSocketAddress> servers) {
    return table(version, "dc1", servers, Map.of());
  }

  static GatewaySettings.Builder settings(RouteTable routes) {
    return GatewaySettings.builder("127.0.0.1", 0).initialRoutes(routes);
  }

  /**
   * A gateway on {@code transport}; a test of epoll is skipped where epoll cannot load (not Linux on
   * x86-64), and asserts that it got what it asked for.
   */
  static MeshGateway start(GatewayTransport transport, GatewaySettings.Builder settings) throws IOException {
    assumeTrue(transport != GatewayTransport.EPOLL || Epoll.isAvailable(), "epoll is not available here");
    MeshGateway gateway = MeshGateway.start(settings.transport(transport).build());
    assertThat(gateway.transport()).isEqualTo(transport.toString());
    return gateway;
  }

  /** An address nobody listens on: bound once, then released. */
  static InetSocketAddress deadAddress() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return (InetSocketAddress) socket.getLocalSocketAddress();
    }
  }

  static Socket connect(InetSocketAddress address) throws IOException {
    Socket socket = new Socket();
    socket.connect(address, TlsClient.TIMEOUT_MILLIS);
    socket.setSoTimeout(TlsClient.TIMEOUT_MILLIS);
    socket.setTcpNoDelay(true);
    return socket;
  }

  static void send(Socket socket, byte[] bytes) throws IOException {
    socket.getOutputStream().write(bytes);
    socket.getOutputStream().flush();
  }

  /** Everything until EOF; a reset (the gateway closed with our bytes unread) ends it too. */
  static byte[] readToEnd(Socket socket) throws IOException {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    InputStream in = socket.getInputStream();
    byte[] buffer = new byte[8192];
    try {
      for (int n; (n = in.read(buffer)) >= 0; ) {
        all.write(buffer, 0, n);
      }
    } catch (SocketException reset) {
      assertThat(reset).hasMessageContaining("reset");
    }
    return all.toByteArray();
  }

  /** The gateway closed this client without a byte from any upstream. */
  static void assertClosedByGateway(Socket socket) throws IOException {
    assertThat(readToEnd(socket)).isEmpty();
  }

  static List<String> gatewayThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(name -> name.startsWith(MeshGateway.THREAD_NAME_PREFIX))
        .toList();
  }
}
