package io.meshfed.transport.rpc;

import static io.meshfed.transport.rpc.RpcTesting.LONG_DEADLINE;
import static io.meshfed.transport.rpc.RpcTesting.await;
import static io.meshfed.transport.rpc.RpcTesting.bytes;
import static io.meshfed.transport.rpc.RpcTesting.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.netty.channel.Channel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A pooled connection at its maximum age is replaced for new calls and closes after its last call; no call fails. */
class RpcConnectionAgeTest {
  private static final Duration AGE = Duration.ofMillis(300);
  private static final Duration WAIT = Duration.ofSeconds(10);

  private final LinkedBlockingQueue<CompletableFuture<byte[]>> pending = new LinkedBlockingQueue<>();
  private final TestServer server = new TestServer(RpcServer.builder()
      .unary("test.Echo", request -> CompletableFuture.completedFuture(bytes("reply:" + text(request))))
      .unary("test.Held", request -> {
        CompletableFuture<byte[]> held = new CompletableFuture<>();
        pending.add(held);
        return held;
      })
      .build());
  private final RpcClient client = RpcTesting.plainClient(RpcClientOptions.defaults().withMaxConnectionAge(AGE));
  private final PoolKey key = server.key("dc1", "s1");

  @AfterEach
  void tearDown() {
    client.close();
    server.close();
  }

  @Test
  void anAgedConnectionTakesNoNewCallsAndClosesOnceItsCallInFlightHasEnded() throws Exception {
    CompletionStage<byte[]> inFlight = client.call(key, "test.Held", bytes("x"), LONG_DEADLINE);
    CompletableFuture<byte[]> handlerWork = pending.poll(5, TimeUnit.SECONDS);
    assertThat(handlerWork).isNotNull();
    Channel first = server.connection(0);

    // Calls keep succeeding; once the first connection has aged they go to a fresh one.
    await().atMost(WAIT).until(() -> await(client.call(key, "test.Echo", bytes("new"), LONG_DEADLINE))
        .equals("reply:new") && server.acceptedConnections() >= 2);

    assertThat(first.isActive()).as("the aged connection stays open while its call is in flight").isTrue();
    assertThat(inFlight.toCompletableFuture()).isNotDone();
    handlerWork.complete(bytes("done"));
    assertThat(await(inFlight)).as("the call in flight completes normally").isEqualTo("done");
    await().atMost(WAIT).until(() -> !first.isActive());
  }

  @Test
  void noCallFailsWhileConnectionsRollOver() throws Exception {
    List<CompletionStage<byte[]>> calls = new ArrayList<>();
    List<CompletableFuture<byte[]>> held = new ArrayList<>();
    await().atMost(WAIT).until(() -> {
      // Calls started in bursts, so some are always being dispatched when a connection retires; one
      // of each burst stays in flight across retirements.
      calls.add(client.call(key, "test.Held", bytes("held"), LONG_DEADLINE));
      held.add(pending.poll(5, TimeUnit.SECONDS));
      List<CompletionStage<byte[]>> burst = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        burst.add(client.call(key, "test.Echo", bytes(Integer.toString(i)), LONG_DEADLINE));
      }
      for (int i = 0; i < burst.size(); i++) {
        assertThat(await(burst.get(i))).isEqualTo("reply:" + i);
      }
      return server.acceptedConnections() >= 4;
    });
    held.forEach(h -> h.complete(bytes("done")));
    for (CompletionStage<byte[]> call : calls) {
      assertThat(await(call)).isEqualTo("done");
    }

    // Unused, every connection closes at its age (the idle timeout is 2 minutes).
    await().atMost(WAIT).until(() -> server.openConnections() == 0);
  }

  @Test
  void theMaximumAgeDefaultsToTwentySecondsAndMustBePositive() {
    assertThat(RpcClientOptions.defaults().maxConnectionAge()).isEqualTo(Duration.ofSeconds(20));
    assertThatThrownBy(() -> RpcClientOptions.defaults().withMaxConnectionAge(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxConnectionAge must be positive");
    assertThatThrownBy(() -> RpcClientOptions.defaults().withMaxConnectionAge(null))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxConnectionAge must be positive");
  }
}
