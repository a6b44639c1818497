package io.meshfed.actors.catalog;

import io.meshfed.actors.store.QueryOptions;
import io.meshfed.actors.store.StoreClient;
import io.meshfed.persistence.store.DcStore;
import io.meshfed.protocol.model.CheckDefinition;
import io.meshfed.protocol.model.CheckServiceNode;
import io.meshfed.protocol.model.HealthCheck;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * A leader routine that runs the catalog's TCP checks (Consul's agent runs them; meshfed has no
 * agent, so the DC's leader does): every check registered with a {@link CheckDefinition} is probed
 * every interval with a TCP connect, and its status is written when it changes. It watches the
 * catalog with blocking reads, so a new registration is probed at once and a removed one stops.
 */
public final class TcpChecks {
  public static final String NAME = "tcp-checks";
  /** A catalog watch round; bounded so that a stopped routine leaves no read parked for long. */
  static final Duration WATCH_WAIT = Duration.ofSeconds(30);

  public sealed interface Command {}

  private record Listed(DcStore.QueryResult<List<CheckServiceNode>> result, Throwable failure) implements Command {}

  private record Probe(CheckKey key) implements Command {}

  private record Probed(CheckKey key, CheckDefinition definition, String status, String output) implements Command {}

  private record Written(Throwable failure) implements Command {}

  record CheckKey(String node, String checkId) {}

  private TcpChecks() {}

  public static Behavior<Command> create(StoreClient store) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      Running running = new Running(ctx, timers, store);
      running.watch(0);
      return running.behavior();
    }));
  }

  private static final class Running {
    private final ActorContext<Command> ctx;
    private final TimerScheduler<Command> timers;
    private final StoreClient store;
    private final Executor blocking;
    /** The checks to run, with the status the catalog last showed (or this routine last wrote). */
    private final Map<CheckKey, HealthCheck> checks = new HashMap<>();
    private final Set<CheckKey> probing = new HashSet<>();
    /** Sockets of probes in flight, closed when the routine stops so no connect outlives it. */
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();

    Running(ActorContext<Command> ctx, TimerScheduler<Command> timers, StoreClient store) {
      this.ctx = ctx;
      this.timers = timers;
      this.store = store;
      this.blocking = ctx.getSystem().dispatchers().lookup(DispatcherSelector.blocking());
    }

    Behavior<Command> behavior() {
      return Behaviors.receive(Command.class)
          .onMessage(Listed.class, this::onListed)
          .onMessage(Probe.class, m -> {
            probe(m.key());
            return Behaviors.same();
          })
          .onMessage(Probed.class, this::onProbed)
          .onMessage(Written.class, m -> {
            if (m.failure() != null) {
              // Thrown, not logged: the routine manager logs it once and restarts with backoff.
              throw new IllegalStateException("cannot write a TCP check's status: " + m.failure().getMessage(),
                  m.failure());
            }
            return Behaviors.same();
          })
          .onSignal(PostStop.class, s -> {
            open.forEach(TcpChecks::closeQuietly);
            return Behaviors.same();
          })
          .build();
    }

    void watch(long minIndex) {
      QueryOptions q = new QueryOptions("", minIndex, WATCH_WAIT);
      ctx.pipeToSelf(store.<DcStore.QueryResult<List<CheckServiceNode>>>askBlocking(q, reply ->
          new DcStore.ListServices("", "", minIndex, WATCH_WAIT, reply)), Listed::new);
    }

    private Behavior<Command> onListed(Listed m) {
      if (m.failure() != null) {
        throw new IllegalStateException("cannot read the catalog's checks: " + m.failure().getMessage(), m.failure());
      }
      Map<CheckKey, HealthCheck> now = new HashMap<>();
      for (CheckServiceNode entry : m.result().value()) {
        for (HealthCheck c : entry.checks()) {
          if (c.definition() != null && c.definition().error().isEmpty()) {
            now.put(new CheckKey(c.node(), c.checkId()), c);
          }
        }
      }
      for (CheckKey gone : new HashSet<>(checks.keySet())) {
        if (!now.containsKey(gone)) {
          checks.remove(gone);
          timers.cancel(gone);
        }
      }
      now.forEach((key, check) -> {
        HealthCheck before = checks.put(key, check);
        if (before == null || !before.definition().equals(check.definition())) {
          timers.startTimerWithFixedDelay(key, new Probe(key), check.definition().intervalDuration());
          probe(key);
        }
      });
      watch(m.result().index());
      return Behaviors.same();
    }

    private void probe(CheckKey key) {
      HealthCheck check = checks.get(key);
      if (check == null || !probing.add(key)) {
        return;
      }
      CheckDefinition def = check.definition();
      ctx.pipeToSelf(CompletableFuture.supplyAsync(() -> connect(key, def), blocking),
          (probed, err) -> err == null ? probed : new Probed(key, def, HealthCheck.CRITICAL, err.toString()));
    }

    private Behavior<Command> onProbed(Probed m) {
      probing.remove(m.key());
      HealthCheck check = checks.get(m.key());
      // A result for a definition that has changed or gone since says nothing about the current one.
      if (check == null || !check.definition().equals(m.definition()) || check.status().equals(m.status())) {
        return Behaviors.same();
      }
      checks.put(m.key(), check.withStatus(m.status(), m.output()));
      ctx.pipeToSelf(store.<DcStore.WriteResult>ask(reply -> new DcStore.UpdateCheck(m.key().node(),
          m.key().checkId(), m.status(), m.output(), reply)), (done, err) -> new Written(err));
      return Behaviors.same();
    }

    /** Consul's TCP check outputs: "TCP connect HOST:PORT: Success" or the dial error. */
    private Probed connect(CheckKey key, CheckDefinition def) {
      String target = def.host() + ":" + def.port();
      Socket socket = new Socket();
      open.add(socket);
      try {
        socket.connect(new InetSocketAddress(def.host(), def.port()), (int) def.timeoutDuration().toMillis());
        return new Probed(key, def, HealthCheck.PASSING, "TCP connect " + target + ": Success");
      } catch (IOException e) {
        return new Probed(key, def, HealthCheck.CRITICAL, "dial tcp " + target + ": " + e.getMessage());
      } finally {
        open.remove(socket);
        closeQuietly(socket);
      }
    }
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // Closing is all that is left to do with it.
    }
  }
}
