package io.meshfed.transport.rpc;

import static io.meshfed.transport.rpc.RpcTesting.LONG_DEADLINE;
import static io.meshfed.transport.rpc.RpcTesting.await;
import static io.meshfed.transport.rpc.RpcTesting.bytes;
import static io.meshfed.transport.rpc.RpcTesting.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.spi.ILoggingEvent;
import io.meshfed.transport.logging.RateLimitedLog;
import io.meshfed.transport.port.LogCapture;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Thousands of connections breaking the frame protocol: each counted, the log bounded, calls still served. */
class RpcFloodTest {
  private static final int FLOOD = 3_000;

  private final LogCapture logs = new LogCapture();
  private final RpcServer rpcServer = RpcServer.builder()
      .unary("test.Echo", request -> CompletableFuture.completedFuture(bytes("reply:" + text(request))))
      .unary("test.Broken", request -> {
        throw new IllegalStateException("a handler bug");
      })
      .build();
  private final TestServer server = new TestServer(rpcServer);
  private final RpcClient client = RpcTesting.plainClient(RpcClientOptions.defaults());

  @AfterEach
  void tearDown() {
    client.close();
    server.close();
    logs.close();
  }

  @Test
  void protocolErrorsAreCountedExactlyAndLoggedWithinTheLimit() throws Exception {
    for (int i = 0; i < FLOOD; i++) {
      try (RawConnection raw = new RawConnection(server.address())) {
        // Client stream ids are odd (a server never starts a stream).
        raw.writeRequest(2, "test.Echo", 1_000);
        assertThat(raw.closedByPeer()).isTrue();
      }
    }

    await().atMost(Duration.ofSeconds(10)).until(() -> rpcServer.stats().protocolErrors() == FLOOD);
    assertThat(lines("protocol error: stream id 2 is not odd")).hasSizeBetween(1, RateLimitedLog.DEFAULT_BURST + 1);
    assertThat(await(client.call(server.key("dc1", "s1"), "test.Echo", bytes("still"), LONG_DEADLINE)))
        .isEqualTo("reply:still");
  }

  @Test
  void aHandlerFailingOnEveryCallIsCountedExactlyAndLoggedWithinTheLimit() throws Exception {
    PoolKey key = server.key("dc1", "s1");
    for (int i = 0; i < FLOOD; i++) {
      assertThat(RpcTesting.failure(client.call(key, "test.Broken", bytes("x"), LONG_DEADLINE)).code())
          .isEqualTo(RpcCode.INTERNAL);
    }

    assertThat(rpcServer.stats().handlerFailures()).isEqualTo(FLOOD);
    assertThat(lines("RPC method test.Broken failed")).hasSizeBetween(1, RateLimitedLog.DEFAULT_BURST + 1)
        .first().satisfies(e -> assertThat(e.getThrowableProxy().getMessage()).isEqualTo("a handler bug"));
  }

  private List<ILoggingEvent> lines(String containing) {
    return logs.warnings().stream().filter(e -> e.getFormattedMessage().contains(containing)).toList();
  }
}
