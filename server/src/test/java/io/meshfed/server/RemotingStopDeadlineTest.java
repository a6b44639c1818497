package io.meshfed.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.remote.RemoteActorRefProvider;
import org.apache.pekko.remote.artery.ArteryTransport;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.jdk.javaapi.FutureConverters;

/**
 * A server stops even when one of its LAN transport's streams never ends: Artery (Pekko 1.2)
 * waits for all of them without a deadline before the actor system may terminate.
 */
class RemotingStopDeadlineTest {
  @TempDir Path dir;

  @Test
  void aStreamOfTheLanTransportThatNeverEndsDoesNotKeepTheServerAlive() throws Exception {
    MeshfedServer server = TestServers.start(dir.resolve("data"), Map.of());
    ArteryTransport artery = (ArteryTransport) ((RemoteActorRefProvider) ((ExtendedActorSystem)
        Adapter.toClassic(server.system())).provider()).transport();
    // A stream on Artery's materializer that its kill switch does not reach, registered where Artery
    // keeps its inbound streams: it stands for the stalled TLS stream, and only an abort ends it.
    CompletionStage<Done> neverEnds = Source.<String>maybe().toMat(Sink.ignore(), Keep.right())
        .run(artery.materializer());
    register(artery, neverEnds);

    long started = System.nanoTime();
    TestServers.stop(server);
    Duration took = Duration.ofNanos(System.nanoTime() - started);

    assertThat(neverEnds.toCompletableFuture()).isCompletedExceptionally();
    // Without the deadline the stop never ends (TestServers.stop gives up after 60 s); with it, the
    // deadline plus the phases before it, with room for a loaded machine.
    assertThat(took).isLessThan(MeshfedServer.REMOTING_STOP_DEADLINE.plusSeconds(25));
    Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
        assertThat(StopLeavesNothingTest.serverThreads()).as("threads left after stop").isEmpty());
  }

  /** Adds {@code completed} to the streams Artery waits for when it shuts down (Pekko 1.2 internals). */
  private static void register(ArteryTransport artery, CompletionStage<Done> completed) throws Exception {
    Class<?> values = Class.forName("org.apache.pekko.remote.artery.ArteryTransport$InboundStreamMatValues");
    Object stalled = values.getConstructor(Object.class, scala.concurrent.Future.class)
        .newInstance(NotUsed.getInstance(), FutureConverters.asScala(completed));
    Method update = ArteryTransport.class.getMethod("updateStreamMatValues", int.class, values);
    // Stream ids 1 to 3 are Artery's own.
    update.invoke(artery, 42, stalled);
  }
}
