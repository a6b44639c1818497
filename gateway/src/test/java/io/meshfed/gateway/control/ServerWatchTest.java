package io.meshfed.gateway.control;

import static io.meshfed.gateway.control.FakeLocalServer.answerAndStayOpen;
import static io.meshfed.gateway.control.FakeLocalServer.answerThenFail;
import static io.meshfed.gateway.control.FakeLocalServer.failAtOnce;
import static io.meshfed.gateway.control.FakeLocalServer.servers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.typesafe.config.ConfigFactory;
import io.grpc.Status;
import io.meshfed.protocol.v1.CatalogServiceClient;
import io.meshfed.protocol.v1.FederationStateServiceClient;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.grpc.GrpcClientSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** ServerWatch against a real gRPC server whose watch streams end and fail as the test says. */
class ServerWatchTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final InetSocketAddress N1 = new InetSocketAddress("127.0.0.1", 8301);
  private static final InetSocketAddress N2 = new InetSocketAddress("127.0.0.1", 8302);
  /** The old watch waited at least 1 s; a short backoff reopens well within this. */
  private static final Duration PROMPTLY = Duration.ofMillis(800);

  private final Logger logger = (Logger) LoggerFactory.getLogger(ServerWatch.class);
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private final List<RoutingSnapshot> snapshots = new CopyOnWriteArrayList<>();
  private FakeLocalServer server;
  private ActorSystem<Void> gateway;
  private FederationStateServiceClient federation;
  private CatalogServiceClient catalog;
  private ServerWatch watch;

  @BeforeEach
  void setUp() throws Exception {
    logger.setLevel(Level.INFO);
    logs.start();
    logger.addAppender(logs);
    server = new FakeLocalServer();
    gateway = ActorSystem.create(Behaviors.empty(), "gateway-under-test",
        ConfigFactory.parseString("pekko.loglevel = ERROR").withFallback(ConfigFactory.load()));
    GrpcClientSettings settings = GatewayProcess.localServer("127.0.0.1", server.port(), Optional.empty(), gateway,
        GatewayProcess.KEEPALIVE_TIME);
    federation = FederationStateServiceClient.create(settings, gateway);
    catalog = CatalogServiceClient.create(settings, gateway);
  }

  @AfterEach
  void tearDown() throws Exception {
    if (watch != null) {
      watch.close();
    }
    federation.close().toCompletableFuture().get(10, TimeUnit.SECONDS);
    catalog.close().toCompletableFuture().get(10, TimeUnit.SECONDS);
    gateway.terminate();
    gateway.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
    server.close();
    logger.detachAppender(logs);
    logger.setLevel(null);
  }

  @Test
  void aFailedWatchIsOneLineAndIsReopenedPromptlyWhileTheLastTableStays() {
    CompletableFuture<Void> fail = new CompletableFuture<>();
    server.then(() -> answerThenFail(servers("n1", N1), fail, Status.UNAVAILABLE.withDescription("the store moved")));
    server.then(() -> answerAndStayOpen(servers("n2", N2)));
    startWatching();
    await().atMost(WAIT).until(() -> localServers().equals(List.of(List.of("n1"))));

    long failed = System.nanoTime();
    fail.complete(null);
    await().atMost(WAIT).until(() -> localServers().contains(List.of("n2")));
    assertThat(localServers()).as("no table in between: the last one stayed").containsExactly(List.of("n1"), List.of("n2"));
    assertThat(Duration.ofNanos(server.serverWatchCalls.get(1) - failed)).isLessThan(PROMPTLY);
    assertThat(events()).extracting(ILoggingEvent::getLevel).containsExactly(Level.WARN, Level.INFO);
    assertThat(events().get(0).getFormattedMessage())
        .isEqualTo("the watch of the DC's servers on the local server " + address()
            + " stopped: UNAVAILABLE: the store moved; keeping the last routing table and reconnecting");
    assertThat(events()).allSatisfy(e -> assertThat(e.getThrowableProxy()).isNull());
    assertThat(events().get(1).getFormattedMessage())
        .isEqualTo("watching the DC's servers on the local server " + address() + " again");
  }

  @Test
  void repeatedFailuresBackOffDoublingAndAnAnswerStartsOverFromTheShortestDelay() {
    for (int i = 0; i < 3; i++) {
      server.then(() -> failAtOnce(Status.INTERNAL.withDescription("not yet")));
    }
    CompletableFuture<Void> fail = new CompletableFuture<>();
    server.then(() -> answerThenFail(servers("n1", N1), fail, Status.UNAVAILABLE.withDescription("the store moved")));
    server.then(() -> answerAndStayOpen(servers("n2", N2)));
    startWatching();
    await().atMost(WAIT).until(() -> localServers().contains(List.of("n1")));

    long failed = System.nanoTime();
    fail.complete(null);
    await().atMost(WAIT).until(() -> localServers().contains(List.of("n2")));
    // Delays of about 200, 400 and 800 ms (each ±20 %), then 200 again after the answer.
    Duration first = gap(0);
    assertThat(first).isGreaterThanOrEqualTo(ServerWatch.FIRST_RETRY.multipliedBy(8).dividedBy(10));
    assertThat(gap(1)).isGreaterThan(first);
    assertThat(gap(2)).isGreaterThan(gap(1));
    assertThat(Duration.ofNanos(server.serverWatchCalls.get(4) - failed)).isLessThan(PROMPTLY);
    // One line per outage, not per attempt: the failures in a row are one.
    assertThat(events()).extracting(ILoggingEvent::getLevel)
        .containsExactly(Level.WARN, Level.INFO, Level.WARN, Level.INFO);
    assertThat(events().get(0).getFormattedMessage()).contains("stopped: INTERNAL: not yet;");
  }

  @Test
  void aWatchTheServerEndsIsReopenedToo() {
    CompletableFuture<Void> end = new CompletableFuture<>();
    server.then(() -> FakeLocalServer.answerThenEnd(servers("n1", N1), end));
    server.then(() -> answerAndStayOpen(servers("n2", N2)));
    startWatching();
    await().atMost(WAIT).until(() -> localServers().contains(List.of("n1")));

    long ended = System.nanoTime();
    end.complete(null);
    await().atMost(WAIT).until(() -> localServers().contains(List.of("n2")));
    assertThat(Duration.ofNanos(server.serverWatchCalls.get(1) - ended)).isLessThan(PROMPTLY);
    assertThat(events().get(0).getFormattedMessage()).contains("stopped: the server ended it;");
  }

  private void startWatching() {
    watch = new ServerWatch(gateway, federation, catalog, address(), () -> "", "dc1", snapshots::add);
  }

  private String address() {
    return "127.0.0.1:" + server.port();
  }

  private List<List<String>> localServers() {
    return snapshots.stream().map(s -> List.copyOf(s.localServers().keySet())).toList();
  }

  /** Time from the start of WatchServices call {@code i} to the next one. */
  private Duration gap(int i) {
    return Duration.ofNanos(server.serverWatchCalls.get(i + 1) - server.serverWatchCalls.get(i));
  }

  private List<ILoggingEvent> events() {
    synchronized (logs) {
      return List.copyOf(logs.list);
    }
  }
}
