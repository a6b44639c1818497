package io.meshfed.actors.store;

import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.UniqueAddress;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * Which server hosts the DC state store singleton, and when a server that hosted it is removed
 * from the cluster. A call forwarded to a host that dies is never answered; the proxy only forgets
 * that host once it is removed, so that is when {@link StoreClient} gives up on the answer and,
 * for an idempotent command, sends it again.
 */
public final class StoreHost {
  static final String NAME = "store-host";

  private final Cluster cluster;
  private final ConcurrentHashMap<UniqueAddress, Set<Watch>> watches = new ConcurrentHashMap<>();
  /** One entry per server ever removed while this one ran: restarts only, so it stays small. */
  private final Set<UniqueAddress> removed = ConcurrentHashMap.newKeySet();

  private StoreHost(Cluster cluster) {
    this.cluster = cluster;
  }

  /** Starts watching the cluster's removals (a system actor of its own). */
  public static StoreHost start(ActorSystem<?> system) {
    StoreHost host = new StoreHost(Cluster.get(system));
    system.systemActorOf(host.watcher(), NAME, Props.empty());
    return host;
  }

  private Behavior<ClusterEvent.MemberRemoved> watcher() {
    return Behaviors.setup(ctx -> {
      cluster.subscriptions().tell(Subscribe.create(ctx.getSelf(), ClusterEvent.MemberRemoved.class));
      return Behaviors.receiveMessage(m -> {
        removed(m.member().uniqueAddress());
        return Behaviors.same();
      });
    });
  }

  /**
   * The server the store's proxy sends to now: like the proxy, the oldest member that came Up and
   * has not exited (a Down member stays until it is removed). Empty before the cluster formed.
   */
  public Optional<UniqueAddress> current() {
    Member oldest = null;
    for (Member m : cluster.state().getMembers()) {
      MemberStatus s = m.status();
      if ((s == MemberStatus.up() || s == MemberStatus.leaving() || s == MemberStatus.down())
          && (oldest == null || m.isOlderThan(oldest))) {
        oldest = m;
      }
    }
    return Optional.ofNullable(oldest).map(Member::uniqueAddress);
  }

  /**
   * Runs {@code onLost} once when {@code host} is removed (at once if it already was), unless the
   * returned handle is closed first.
   */
  public AutoCloseable onRemoved(UniqueAddress host, Runnable onLost) {
    Watch w = new Watch(onLost);
    // Adding and dropping inside compute: a set emptied and dropped by one call cannot take
    // another call's watch with it.
    watches.compute(host, (h, set) -> {
      Set<Watch> s = set == null ? ConcurrentHashMap.newKeySet() : set;
      s.add(w);
      return s;
    });
    // A removal between the lookup and the add took the set without this watch.
    if (removed.contains(host)) {
      w.fire();
    }
    return () -> {
      w.fired.set(true);
      watches.computeIfPresent(host, (h, set) -> {
        set.remove(w);
        return set.isEmpty() ? null : set;
      });
    };
  }

  void removed(UniqueAddress host) {
    removed.add(host);
    Set<Watch> set = watches.remove(host);
    if (set != null) {
      set.forEach(Watch::fire);
    }
  }

  private static final class Watch {
    final Runnable onLost;
    final AtomicBoolean fired = new AtomicBoolean();

    Watch(Runnable onLost) {
      this.onLost = onLost;
    }

    void fire() {
      if (fired.compareAndSet(false, true)) {
        onLost.run();
      }
    }
  }
}
