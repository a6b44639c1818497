package io.meshfed.transport.port;

import static io.meshfed.protocol.names.WireConstants.TYPE_RPC;
import static io.meshfed.transport.port.PortAssertions.WAIT;
import static io.meshfed.transport.port.PortAssertions.assertClosedByServer;
import static io.meshfed.transport.port.PortAssertions.connect;
import static io.meshfed.transport.port.PortAssertions.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Start and close leave nothing behind: no threads, no listener, no open connection. */
class ServerPortLifecycleTest {

  @Test
  void startingAndClosingFiveTimesLeavesNoThreadsAndNoListener() throws Exception {
    InetSocketAddress last = null;
    for (int i = 0; i < 5; i++) {
      ServerPort port = ServerPort.start(echoSettings(0));
      last = port.localAddress();
      try (Socket socket = connect(last)) {
        write(socket, TYPE_RPC, (byte) 'a');
        assertThat(socket.getInputStream().read()).isEqualTo('a');
        assertThat(portThreads()).as("threads are named, so the leak check below can fail").isNotEmpty();
        port.close();
        assertClosedByServer(socket);
      }
    }
    await().atMost(WAIT).untilAsserted(() -> assertThat(portThreads()).isEmpty());
    InetSocketAddress closed = last;
    assertThatThrownBy(() -> connect(closed).close()).isInstanceOf(ConnectException.class);
  }

  @Test
  void closingTwiceIsHarmless() throws Exception {
    ServerPort port = ServerPort.start(echoSettings(0));
    port.close();
    port.close();
    await().atMost(WAIT).untilAsserted(() -> assertThat(portThreads()).isEmpty());
  }

  @Test
  void portInUseFailsToStartAndLeavesNoThreads() throws Exception {
    try (ServerPort first = ServerPort.start(echoSettings(0))) {
      assertThatThrownBy(() -> ServerPort.start(echoSettings(first.localAddress().getPort())))
          .isInstanceOf(IOException.class)
          .hasCauseInstanceOf(BindException.class)
          .hasMessageStartingWith("server port: cannot bind 127.0.0.1:" + first.localAddress().getPort());
    }
    await().atMost(WAIT).untilAsserted(() -> assertThat(portThreads()).isEmpty());
  }

  private static ServerPortSettings echoSettings(int port) {
    return ServerPortSettings.builder("127.0.0.1", port)
        .plaintextProtocol(TYPE_RPC, new RecordingProtocol("rpc"))
        .build();
  }

  private static List<String> portThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(name -> name.startsWith(ServerPort.THREAD_NAME_PREFIX))
        .toList();
  }
}
