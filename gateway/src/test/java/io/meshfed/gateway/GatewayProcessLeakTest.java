package io.meshfed.gateway;

import static io.meshfed.gateway.GatewayTesting.WAIT;
import static io.meshfed.gateway.GatewayTesting.deadAddress;
import static io.meshfed.gateway.GatewayTesting.gatewayThreads;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshfed.gateway.control.GatewayProcess;
import io.meshfed.gateway.control.GatewayRegistration;
import io.meshfed.gateway.control.LocalServerCredentials;
import io.meshfed.gateway.route.RouteTable;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Clock;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A gateway process whose server is down keeps retrying its watches and its registration; closing
 * it stops all of that: no thread of the gateway or its actor system is left, and its ports are free.
 */
class GatewayProcessLeakTest {
  @Test
  void closingAGatewayProcessLeavesNothingBehind() throws Exception {
    InetSocketAddress server = deadAddress();
    java.util.Set<Thread> before = Thread.getAllStackTraces().keySet();
    for (int round = 0; round < 3; round++) {
      GatewayProcess process = GatewayProcess.start(GatewaySettings.builder("127.0.0.1", 0).admin("127.0.0.1", 0)
              .initialRoutes(RouteTable.EMPTY).build(),
          new GatewayProcess.Control("dc1", "meshfed", "127.0.0.1", server.getPort(),
              LocalServerCredentials.load(Optional.empty(), "", Optional.empty(), Clock.systemUTC()),
              Optional.of(new GatewayRegistration.Spec("dc1", "gw1", InetSocketAddress.createUnresolved("127.0.0.1", 1),
                  InetSocketAddress.createUnresolved("127.0.0.1", 1), true))));
      InetSocketAddress listen = process.gateway().listenAddress();
      InetSocketAddress admin = process.gateway().adminAddress().orElseThrow();
      assertThat(gatewayThreads()).as("the gateway's and its actor system's threads carry the prefix").isNotEmpty();
      process.close();
      await().atMost(WAIT).untilAsserted(() -> assertThat(gatewayThreads()).isEmpty());
      // Nor any other thread: the gRPC client's event loops and executors end too.
      await().atMost(WAIT).untilAsserted(() -> assertThat(Thread.getAllStackTraces().keySet().stream()
          .filter(t -> t.isAlive() && !before.contains(t)).map(Thread::getName)
          .filter(name -> !name.startsWith("awaitility"))).isEmpty());
      for (InetSocketAddress bound : new InetSocketAddress[] {listen, admin}) {
        try (ServerSocket again = new ServerSocket(bound.getPort(), 1, bound.getAddress())) {
          assertThat(again.isBound()).isTrue();
        }
      }
    }
  }
}
