package io.meshfed.actors.wan;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.actors.forward.Dialer;
import io.meshfed.actors.forward.GatewayResolver;
import io.meshfed.actors.wan.swim.Member;
import io.meshfed.actors.wan.swim.SwimSettings;
import io.meshfed.transport.gossip.GossipDialer;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Stopping the WAN membership never waits, on the actor's thread, for its gossip clients to end. */
class WanMembershipStopTest {
  private static final ActorTestKit testKit = ActorTestKit.create();

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @Test
  void stoppingReturnsAtOnceAndTheGossipClientsEndOnTheirOwnThreads() throws Exception {
    CountDownLatch dialing = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    // A dial that keeps its event loop's thread busy until released: until then, that gossip
    // client's thread cannot end, however it is closed.
    GossipDialer stuck = (member, address, protocol, group, installer) -> {
      group.execute(() -> {
        dialing.countDown();
        awaitQuietly(release);
      });
      return new CompletableFuture<>();
    };
    List<CompletionStage<?>> closes = new CopyOnWriteArrayList<>();
    // A secondary that joins through a gateway of the primary: its first join is a state exchange, a dial.
    WanMembership.Setup setup = new WanMembership.Setup("n2", "dc2", "dc1", "127.0.0.1:8300",
        Map.of(Member.Tags.ROLE, "server"), SwimSettings.wanDefaults(), true, Duration.ofSeconds(30));
    ActorRef<WanMembership.Command> wan = testKit.spawn(WanMembership.create(setup,
        new Dialer("dc2", true, List::of, primaryGateway(), dc -> List.of()), new WanRouter(), stuck,
        CompletableFuture.completedFuture(null), "ready at once", List::of, closes::add));
    assertThat(dialing.await(10, TimeUnit.SECONDS)).as("the join dials").isTrue();

    try {
      // Waiting for the clients in PostStop would hold the stop until the release (or 10 s).
      testKit.stop(wan, Duration.ofSeconds(2));
      assertThat(closes).hasSize(1);
      CompletableFuture<?> closed = closes.get(0).toCompletableFuture();
      assertThat(closed).as("the busy client's thread has not ended").isNotDone();

      release.countDown();
      closed.get(10, TimeUnit.SECONDS);
    } finally {
      release.countDown();
    }
  }

  private static GatewayResolver primaryGateway() {
    return new GatewayResolver() {
      @Override
      public List<InetSocketAddress> gateways(String datacenter) {
        return datacenter.equals("dc1") ? List.of(InetSocketAddress.createUnresolved("127.0.0.1", 8443)) : List.of();
      }

      @Override
      public String source() {
        return "dc1's gateway in this test";
      }
    };
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
