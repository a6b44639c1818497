package io.meshfed.actors.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.meshfed.persistence.journal.JournalSchema;
import io.meshfed.persistence.journal.JournalSettings;
import io.meshfed.persistence.store.DcStore;
import io.meshfed.protocol.errors.ApiException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Calls made before this server is Up in its DC's cluster: held while the server is on its way in
 * (answered once it is Up), answered 503 at once when it is not, and at the hold's end otherwise.
 * A real store on H2 in a one-server cluster that the test joins when it chooses.
 */
class StoreClientHoldTest {
  @TempDir Path dir;
  private ActorTestKit kit;
  private ActorRef<DcStore.Command> store;

  @BeforeEach
  void start() {
    kit = ActorTestKit.create("hold-test", ConfigFactory.parseString("""
        pekko.actor.provider = cluster
        pekko.remote.artery.canonical.hostname = 127.0.0.1
        pekko.remote.artery.canonical.port = 0
        pekko.cluster.jmx.multi-mbeans-in-same-jvm = on
        pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off
        """).withFallback(JournalSettings.h2(dir).toConfig()).withFallback(ConfigFactory.load()));
    JournalSchema.ensure(kit.system()).toCompletableFuture().join();
    store = kit.spawn(DcStore.create("dc1"));
  }

  @AfterEach
  void stop() {
    kit.shutdownTestKit();
  }

  private CompletableFuture<List<DcStore.Decommissioned>> call(StoreClient.Hold hold) {
    return call(new StoreClient(store, kit.system(), null, hold));
  }

  private static CompletableFuture<List<DcStore.Decommissioned>> call(StoreClient client) {
    return client.<DcStore.QueryResult<List<DcStore.Decommissioned>>>ask(DcStore.ListDecommissioned::new)
        .thenApply(r -> r.value()).toCompletableFuture();
  }

  private void joinItself() {
    Cluster cluster = Cluster.get(kit.system());
    cluster.manager().tell(Join.create(cluster.selfMember().address()));
  }

  /** A thousand calls at once, as a flood would make, share one look and are all answered. */
  @Test
  void callsMadeWhileTheServerJoinsAreAnsweredOnceItIsUp() throws Exception {
    StoreClient client = new StoreClient(store, kit.system(), null,
        new StoreClient.Hold(Duration.ofSeconds(20), () -> true));
    List<CompletableFuture<List<DcStore.Decommissioned>>> held = new java.util.ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      held.add(call(client));
    }
    assertThat(held).as("not Up yet: held").noneMatch(CompletableFuture::isDone);
    assertThat(client.looking()).isTrue();
    joinItself();
    CompletableFuture.allOf(held.toArray(CompletableFuture[]::new)).get(20, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(held).allMatch(f -> f.join().isEmpty());
    assertThat(Cluster.get(kit.system()).selfMember().status()).isEqualTo(MemberStatus.up());
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> !client.looking());
    assertThat(call(client).get(20, java.util.concurrent.TimeUnit.SECONDS)).as("Up: answered at once").isEmpty();
    assertThat(client.looking()).isFalse();
    assertThat(client.prometheus()).contains("meshfed_store_calls_held 0\n",
        "meshfed_store_calls_held_total{outcome=\"sent\"} 1000\n", "meshfed_store_calls_held_total{outcome=\"refused\"} 0\n");
  }

  @Test
  void aServerThatWillNotComeUpSoonSaysSoAtOnce() {
    for (StoreClient.Hold hold : List.of(StoreClient.Hold.NONE,
        new StoreClient.Hold(Duration.ofSeconds(20), () -> false))) {
      CompletableFuture<List<DcStore.Decommissioned>> answer = call(hold);
      assertThat(answer).as("answered before any wait").isCompletedExceptionally();
      assertUnavailable(answer, "this server is waiting for its DC to form: 0 of 1 servers are in the cluster "
          + "(bootstrap-expect = 1); retry");
    }
  }

  @Test
  void aHoldEndsAtItsLimit() {
    long start = System.nanoTime();
    StoreClient client = new StoreClient(store, kit.system(), null, new StoreClient.Hold(Duration.ofMillis(300), () -> true));
    CompletableFuture<List<DcStore.Decommissioned>> answer = call(client);
    assertThat(client.prometheus()).contains("meshfed_store_calls_held 1\n");
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(answer::isDone);
    assertThat(client.prometheus()).contains("meshfed_store_calls_held 0\n",
        "meshfed_store_calls_held_total{outcome=\"refused\"} 1\n");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
    assertUnavailable(answer, "this server is waiting for its DC to form: 0 of 1 servers are in the cluster "
        + "(bootstrap-expect = 1); retry");
  }

  @Test
  void aHoldEndsWhenTheServerNoLongerExpectsToComeUp() {
    AtomicBoolean upSoon = new AtomicBoolean(true);
    CompletableFuture<List<DcStore.Decommissioned>> answer = call(new StoreClient.Hold(Duration.ofMinutes(5), upSoon::get));
    assertThat(answer).isNotDone();
    upSoon.set(false);
    // far below the hold's five minutes: the next look ends it
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(answer::isDone);
    assertUnavailable(answer, "this server is waiting for its DC to form");
  }

  private static void assertUnavailable(CompletableFuture<?> answer, String message) {
    try {
      answer.get();
      throw new AssertionError("answered: " + answer.join());
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(ApiException.class);
      ApiException api = (ApiException) e.getCause();
      assertThat(api.code()).isEqualTo(ApiException.Code.UNAVAILABLE);
      assertThat(api.getMessage()).startsWith(message);
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }
}
