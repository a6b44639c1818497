package io.meshfed.actors.catalog;

import io.meshfed.actors.store.StoreClient;
import io.meshfed.actors.lan.LanMembers;
import io.meshfed.persistence.store.DcStore;
import io.meshfed.protocol.model.CheckServiceNode;
import io.meshfed.protocol.model.HealthCheck;
import io.meshfed.protocol.model.Node;
import io.meshfed.protocol.model.NodeService;
import io.meshfed.protocol.model.ServiceAddress;
import io.meshfed.protocol.names.WireConstants;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;
import org.apache.pekko.cluster.typed.Unsubscribe;
import org.apache.pekko.pattern.StatusReply;

/**
 * A leader routine that keeps the catalog's {@code meshfed} service entries equal to the DC's
 * servers (Consul's leader reconciles its LAN members the same way): a reachable server's check
 * passes, an unreachable one's turns critical, a removed server is deregistered. It runs after every
 * membership change and every {@code interval}, so a missed event heals by itself.
 */
public final class MemberReconciler {
  public static final String NAME = "member-reconcile";
  public static final String CHECK_ID = "meshfed-server";
  /** Events arriving in a burst (a node joining moves through several states) share one pass. */
  private static final Duration DEBOUNCE = Duration.ofMillis(100);

  public sealed interface Command {}

  private record ClusterChanged() implements Command {}

  private record Tick() implements Command {}

  private record Reconciled(Throwable failure) implements Command {}

  private MemberReconciler() {}

  public static Behavior<Command> create(StoreClient store, String datacenter, Duration interval) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      ActorRef<ClusterEvent.ClusterDomainEvent> events =
          ctx.messageAdapter(ClusterEvent.ClusterDomainEvent.class, e -> new ClusterChanged());
      Cluster cluster = Cluster.get(ctx.getSystem());
      // Every cluster event (members, reachability, leader) triggers a debounced pass.
      cluster.subscriptions().tell(Subscribe.create(events, ClusterEvent.ClusterDomainEvent.class));
      timers.startTimerWithFixedDelay(Tick.class, new Tick(), interval);
      ctx.getSelf().tell(new Tick());
      return new MemberReconciler.Running(ctx, timers, store, datacenter, new Unsubscribe<>(events)).idle();
    }));
  }

  /** One reconciliation at a time; changes during a pass trigger one more pass after it. */
  private static final class Running {
    private final ActorContext<Command> ctx;
    private final TimerScheduler<Command> timers;
    private final StoreClient store;
    private final String datacenter;
    private final Unsubscribe<ClusterEvent.ClusterDomainEvent> unsubscribe;

    Running(ActorContext<Command> ctx, TimerScheduler<Command> timers, StoreClient store, String datacenter,
        Unsubscribe<ClusterEvent.ClusterDomainEvent> unsubscribe) {
      this.ctx = ctx;
      this.timers = timers;
      this.store = store;
      this.datacenter = datacenter;
      this.unsubscribe = unsubscribe;
    }

    Behavior<Command> idle() {
      return Behaviors.receive(Command.class)
          .onMessage(ClusterChanged.class, m -> {
            timers.startSingleTimer(Tick.class, new Tick(), DEBOUNCE);
            return Behaviors.same();
          })
          .onMessage(Tick.class, m -> startPass())
          .onSignal(PostStop.class, s -> stopped())
          .build();
    }

    private Behavior<Command> busy(boolean again) {
      return Behaviors.receive(Command.class)
          .onMessage(ClusterChanged.class, m -> busy(true))
          .onMessage(Tick.class, m -> busy(true))
          .onMessage(Reconciled.class, m -> {
            if (m.failure() != null) {
              // Thrown, not logged: the routine manager logs it once and restarts with backoff.
              throw new IllegalStateException("cannot reconcile the DC's servers into the catalog: "
                  + m.failure().getMessage(), m.failure());
            }
            return again ? startPass() : idle();
          })
          .onSignal(PostStop.class, s -> stopped())
          .build();
    }

    private Behavior<Command> startPass() {
      List<LanMembers.Server> servers = LanMembers.servers(Cluster.get(ctx.getSystem()).state());
      ctx.pipeToSelf(reconcile(servers), (done, err) -> new Reconciled(err));
      return busy(false);
    }

    private Behavior<Command> stopped() {
      Cluster.get(ctx.getSystem()).subscriptions().tell(unsubscribe);
      return Behaviors.same();
    }

    private CompletionStage<Done> reconcile(List<LanMembers.Server> servers) {
      CompletionStage<DcStore.QueryResult<List<CheckServiceNode>>> registered = store.ask(reply ->
          new DcStore.ListServices(WireConstants.SERVER_SERVICE, "", 0, Duration.ZERO, reply));
      return registered.thenCompose(current -> {
        Map<String, LanMembers.Server> wanted = new HashMap<>();
        servers.forEach(s -> wanted.put(s.node().toLowerCase(java.util.Locale.ROOT), s));
        List<Supplier<CompletionStage<DcStore.WriteResult>>> writes = new ArrayList<>();
        for (CheckServiceNode entry : current.value()) {
          if (!wanted.containsKey(entry.node().node().toLowerCase(java.util.Locale.ROOT))) {
            String gone = entry.node().node();
            writes.add(() -> store.ask(reply -> new DcStore.DeregisterCatalog(gone, "", "", reply)));
          }
        }
        // The store answers an unchanged registration without writing, so repeating is cheap.
        for (LanMembers.Server s : servers) {
          writes.add(() -> store.ask(reply -> register(s, reply)));
        }
        return sequence(writes);
      });
    }

    private DcStore.RegisterCatalog register(LanMembers.Server s, ActorRef<StatusReply<DcStore.WriteResult>> reply) {
      boolean healthy = s.status().equals(LanMembers.ALIVE) || s.status().equals(LanMembers.JOINING);
      NodeService service = new NodeService(WireConstants.SERVER_SERVICE, WireConstants.SERVER_SERVICE, "", List.of(),
          s.host(), s.serverPort(), Map.of(),
          Map.of(NodeService.TAG_LAN, new ServiceAddress(s.host(), s.serverPort())));
      HealthCheck check = new HealthCheck(s.node(), CHECK_ID, "meshfed server", healthy ? HealthCheck.PASSING
          : HealthCheck.CRITICAL, "", "LAN member status: " + s.status(), WireConstants.SERVER_SERVICE,
          WireConstants.SERVER_SERVICE);
      return new DcStore.RegisterCatalog(new Node(s.node(), s.host(), datacenter, Map.of(), Map.of()), service,
          List.of(check), reply);
    }

    private static CompletionStage<Done> sequence(List<Supplier<CompletionStage<DcStore.WriteResult>>> writes) {
      CompletionStage<Done> chain = CompletableFuture.completedFuture(Done.getInstance());
      for (Supplier<CompletionStage<DcStore.WriteResult>> write : writes) {
        chain = chain.thenCompose(d -> write.get().thenApply(w -> Done.getInstance()));
      }
      return chain;
    }
  }
}
