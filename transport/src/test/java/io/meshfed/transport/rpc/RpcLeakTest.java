package io.meshfed.transport.rpc;

import static io.meshfed.transport.rpc.RpcTesting.LONG_DEADLINE;
import static io.meshfed.transport.rpc.RpcTesting.await;
import static io.meshfed.transport.rpc.RpcTesting.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class RpcLeakTest {
  @Test
  void noRpcThreadOutlivesClientAndServer() throws Exception {
    RpcServer rpcServer = RpcServer.builder()
        .unary("test.Echo", request -> CompletableFuture.completedFuture(request))
        .stream("test.Three", (request, sink) -> {
          sink.next(request);
          sink.next(request);
          sink.next(request);
          sink.complete();
          return () -> { };
        })
        .build();
    TestServer server = new TestServer(rpcServer);
    RpcClient client = RpcTesting.plainClient(RpcClientOptions.defaults());
    assertThat(await(client.call(server.key("dc1", "s1"), "test.Echo", bytes("x"), LONG_DEADLINE))).isEqualTo("x");
    RpcTesting.RecordingListener listener = new RpcTesting.RecordingListener();
    client.stream(server.key("dc2", "s1"), "test.Three", bytes("y"), LONG_DEADLINE, listener);
    assertThat(listener.awaitEnd()).isNull();
    assertThat(rpcThreads()).isGreaterThan(0);

    client.close();
    server.close();

    await().atMost(Duration.ofSeconds(10)).until(() -> rpcThreads() == 0);
  }

  private static long rpcThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .filter(t -> t.getName().startsWith("meshfed-rpc-"))
        .count();
  }
}
