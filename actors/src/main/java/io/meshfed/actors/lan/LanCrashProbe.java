package io.meshfed.actors.lan;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.nio.channels.AsynchronousChannelGroup;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Down;
import org.apache.pekko.remote.RemoteActorRefProvider;
import scala.Option;

/**
 * The crash fast path (docs/decisions/0020): every {@link #INTERVAL} this server connects to the LAN
 * (Artery) port of every other Up member and closes at once. A member whose port refuses twice in a
 * row ({@link CrashProbeCore}) has lost its process while its machine lives (kill -9, an OOM kill, a
 * JVM crash): it is downed and quarantined at once, so the store and the leader move after the
 * removal margin instead of after the failure timeout and stable-after. Silence (a pause, a starved
 * CPU, a machine or network gone) never counts; that is left to the failure detector and the
 * split-brain resolver.
 */
public final class LanCrashProbe {
  public static final String NAME = "lan-crash-probe";
  static final Duration INTERVAL = Duration.ofMillis(250);
  /** Shorter than the interval, so each round's answers are in before the next round. */
  static final Duration CONNECT_TIMEOUT = Duration.ofMillis(200);
  static final String REFUSED_LINE = "LAN port refuses connections";

  sealed interface Command {}

  private record Round() implements Command {}

  private record Probed(Address member, CrashProbeCore.Outcome outcome) implements Command {}

  private LanCrashProbe() {}

  public static Behavior<Command> create() {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      ctx.setLoggerName(LanCrashProbe.class);
      timers.startTimerWithFixedDelay(new Round(), INTERVAL);
      CrashProbeCore<Address> core = new CrashProbeCore<>();
      Cluster cluster = Cluster.get(ctx.getSystem());
      // A group of its own, not the JVM's default one: its thread stops with this actor.
      AsynchronousChannelGroup group = AsynchronousChannelGroup.withFixedThreadPool(1, r -> {
        Thread t = new Thread(r, "meshfed-lan-crash-probe");
        t.setDaemon(true);
        return t;
      });
      return Behaviors.receive(Command.class)
          .onMessage(Round.class, m -> {
            Member self = cluster.selfMember();
            Set<Address> up = new HashSet<>();
            for (Member member : cluster.state().getMembers()) {
              if (member.status() == MemberStatus.up() && !member.address().equals(self.address())) {
                up.add(member.address());
              }
            }
            for (Address a : core.round(self.status() == MemberStatus.up(), up)) {
              probe(ctx, group, a);
            }
            return Behaviors.same();
          })
          .onMessage(Probed.class, m -> {
            if (core.outcome(m.member(), m.outcome())) {
              down(ctx, cluster, m.member());
            }
            return Behaviors.same();
          })
          .onSignal(PostStop.class, signal -> {
            group.shutdownNow();
            return Behaviors.same();
          })
          .build();
    }));
  }

  private static void down(ActorContext<Command> ctx, Cluster cluster, Address address) {
    Member member = null;
    for (Member candidate : cluster.state().getMembers()) {
      if (candidate.address().equals(address)) {
        member = candidate;
      }
    }
    if (member == null || member.status() != MemberStatus.up()) {
      return;
    }
    ctx.getLog().warn("{} {} {} times in a row: its process is gone; downing and quarantining it",
        address, REFUSED_LINE, CrashProbeCore.REFUSALS);
    cluster.manager().tell(new Down(address));
    // The leader removes a Down member only once it is unreachable or terminated; quarantine makes
    // it terminated now instead of after the failure detector's pause. Pekko quarantines removed
    // Down members itself; this only does it earlier.
    ExtendedActorSystem classic = (ExtendedActorSystem) Adapter.toClassic(ctx.getSystem());
    if (classic.provider() instanceof RemoteActorRefProvider remote) {
      remote.quarantine(address, Option.apply((Object) member.uniqueAddress().longUid()), REFUSED_LINE);
    }
  }

  /** One non-blocking connect; its outcome comes back as a message. */
  private static void probe(ActorContext<Command> ctx, AsynchronousChannelGroup group, Address member) {
    ActorRef<Command> self = ctx.getSelf();
    AsynchronousSocketChannel channel;
    try {
      channel = AsynchronousSocketChannel.open(group);
    } catch (IOException e) {
      self.tell(new Probed(member, CrashProbeCore.Outcome.OTHER));
      return;
    }
    InetSocketAddress target = new InetSocketAddress(member.getHost().get(), (Integer) member.getPort().get());
    // Closing the channel at the timeout fails a connect still under way (not a refusal).
    var timeout = ctx.getSystem().scheduler().scheduleOnce(CONNECT_TIMEOUT, () -> closeQuietly(channel),
        ctx.getSystem().executionContext());
    channel.connect(target, null, new CompletionHandler<Void, Void>() {
      @Override
      public void completed(Void result, Void attachment) {
        timeout.cancel();
        closeQuietly(channel);
        self.tell(new Probed(member, CrashProbeCore.Outcome.ACCEPTED));
      }

      @Override
      public void failed(Throwable err, Void attachment) {
        timeout.cancel();
        closeQuietly(channel);
        boolean refused = err instanceof ConnectException && String.valueOf(err.getMessage()).contains("refused");
        self.tell(new Probed(member, refused ? CrashProbeCore.Outcome.REFUSED : CrashProbeCore.Outcome.OTHER));
      }
    });
  }

  private static void closeQuietly(AsynchronousSocketChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      // Closing a probe's socket cannot fail in a way that matters: the next round opens a new one.
    }
  }
}
