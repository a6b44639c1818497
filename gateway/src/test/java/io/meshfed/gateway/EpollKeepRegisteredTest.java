package io.meshfed.gateway;

import static io.meshfed.gateway.GatewayTesting.connect;
import static io.meshfed.gateway.GatewayTesting.dc1;
import static io.meshfed.gateway.GatewayTesting.readToEnd;
import static io.meshfed.gateway.GatewayTesting.send;
import static io.meshfed.gateway.GatewayTesting.settings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.meshfed.gateway.sni.ClientHellos;
import io.netty.channel.IoOps;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollIoOps;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The gateway's fix to Netty 4.2.18's epoll loop, and the failure it prevents. */
class EpollKeepRegisteredTest {
  @BeforeEach
  void epollLoads() {
    assumeTrue(Epoll.isAvailable(), "epoll is not available here");
  }

  @Test
  void anEmptyInterestSetKeepsTheDescriptorRegisteredOnceItWasAdded() {
    List<Integer> submitted = new ArrayList<>();
    EpollKeepRegistered.Registration registration = new EpollKeepRegistered.Registration(recording(submitted));

    // Before the first real interest set Netty has not added the descriptor: nothing to keep.
    registration.submit(EpollIoOps.NONE);
    registration.submit(EpollIoOps.EPOLLRDHUP.with(EpollIoOps.EPOLLIN));
    registration.submit(EpollIoOps.EPOLLIN);
    registration.submit(EpollIoOps.NONE);
    registration.submit(EpollIoOps.EPOLLOUT);

    assertThat(submitted).containsExactly(
        EpollIoOps.NONE.value(),
        EpollIoOps.EPOLLRDHUP.with(EpollIoOps.EPOLLIN).value(),
        EpollIoOps.EPOLLIN.value(),
        EpollIoOps.EPOLLET.value(),
        EpollIoOps.EPOLLOUT.value());
  }

  /**
   * Why the gateway wraps the loop: on Netty's own, once the client's FIN has emptied its channel's
   * interest set, the first write to the client that must wait for EPOLLOUT fails (epoll_ctl ENOENT)
   * and the rest of the reply is dropped. When this starts failing, a Netty release has fixed the
   * loop and {@link EpollKeepRegistered} can go.
   */
  @Test
  void withoutItNettysEpollLoopLosesTheTailOfAReplyAfterTheClientsFin() throws Exception {
    byte[] reply = new byte[32 * 1024 * 1024];
    TestServer.Conversation largeReplyAfterEof = socket -> {
      socket.getInputStream().readAllBytes();
      socket.getOutputStream().write(reply);
      socket.getOutputStream().flush();
    };
    try (TestServer upstream = TestServer.plain(largeReplyAfterEof);
         MeshGateway gateway = MeshGateway.start(settings(dc1(1, Map.of("n1", upstream.address()))).build(),
             GatewayTransport.Resolved.epoll(EpollIoHandler.newFactory()));
         Socket client = connect(gateway.listenAddress())) {
      send(client, ClientHellos.boringSsl("n1.server.dc1.meshfed"));
      client.shutdownOutput();
      assertThat(readToEnd(client).length).as("reply bytes through Netty's own epoll loop")
          .isLessThan(reply.length);
    }
  }

  private static IoRegistration recording(List<Integer> submitted) {
    return new IoRegistration() {
      @Override
      public <T> T attachment() {
        return null;
      }

      @Override
      public long submit(IoOps ops) {
        submitted.add(((EpollIoOps) ops).value());
        return ((EpollIoOps) ops).value();
      }

      @Override
      public boolean isValid() {
        return true;
      }

      @Override
      public boolean cancel() {
        return true;
      }
    };
  }
}
