package io.meshfed.actors.wan;

import io.meshfed.protocol.errors.ApiException;
import io.meshfed.actors.forward.Dialer;
import io.meshfed.actors.forward.StaticGateways;
import io.meshfed.actors.time.Backoff;
import io.meshfed.transport.metrics.Meters;
import io.meshfed.actors.wan.swim.GossipCodec;
import io.meshfed.actors.wan.swim.GossipCodecException;
import io.meshfed.actors.wan.swim.Member;
import io.meshfed.actors.wan.swim.MemberState;
import io.meshfed.actors.wan.swim.MembershipEvent;
import io.meshfed.actors.wan.swim.Outbox;
import io.meshfed.actors.wan.swim.SwimMembership;
import io.meshfed.actors.wan.swim.SwimMessage;
import io.meshfed.actors.wan.swim.SwimSettings;
import io.meshfed.protocol.names.Names;
import io.meshfed.transport.gossip.GossipDialer;
import io.meshfed.transport.gossip.GossipPacketReceiver;
import io.meshfed.transport.gossip.GossipPackets;
import io.meshfed.transport.gossip.GossipStreamReceiver;
import io.meshfed.transport.gossip.GossipStreams;
import io.meshfed.transport.gossip.MalformedGossipPacketException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.PreRestart;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.pattern.StatusReply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This server's WAN membership (docs/architecture.md, "WAN membership"): one actor per server that owns a
 * {@link SwimMembership}, drives it with a timer on a monotonic millisecond clock, and carries its messages
 * over the gossip transport of the server port. Packets and stream requests arrive as messages from the
 * server port's receivers ({@link #packetReceiver}, {@link #streamReceiver}), so the event loop never waits
 * for the membership; a stream is answered through an ask that completes its stage.
 *
 * <p>Where a member is dialed is the {@link Dialer}'s answer: same DC, the member's own server port;
 * another DC, one of its gateways, the SNI naming the member. A secondary joins "any server of the
 * primary" ({@link SwimMembership#anyServerOf}) where the {@link Dialer} routes the primary ({@code
 * primary-gateways}, re-dialed unresolved so that a changed DNS name is followed, or {@code
 * static-gateways}), every {@code retry-interval-wan} until one exchange succeeds.
 * The primary never joins down: the secondaries come to it.
 */
public final class WanMembership {
  private static final Logger LOG = LoggerFactory.getLogger(WanMembership.class);
  /** A stream exchange (dial, handshake, both frames), as Consul's wanfed allows a stream dial. */
  static final Duration STREAM_DEADLINE = GossipStreamReceiver.DEFAULT_DEADLINE;
  /** The membership must answer an incoming exchange well within the receiver's own deadline. */
  private static final Duration ANSWER_TIMEOUT = STREAM_DEADLINE.dividedBy(2);
  /** Gossip rounds a leaving member keeps spreading its leave before it stops (memberlist's leave). */
  private static final int LEAVE_GOSSIP_ROUNDS = 4;

  public sealed interface Command {}

  /** A packet from a {@code meshfed/wan-gossip/packet} connection, decoded on the server port. */
  public record PacketReceived(GossipCodec.Envelope envelope) implements Command {}

  /** A state exchange request from a {@code meshfed/wan-gossip/stream} connection. */
  public record StateExchangeReceived(byte[] request, ActorRef<StatusReply<byte[]>> replyTo) implements Command {}

  /** Leaves gracefully; replies once the leave had a few gossip rounds to spread. */
  public record Leave(ActorRef<Done> replyTo) implements Command {}

  /**
   * An operator's force-leave of {@code member} ({@code <node>.<dc>}), see {@link
   * SwimMembership#forceLeave}; replies with what was done.
   */
  public record ForceLeave(String member, boolean prune, ActorRef<SwimMembership.ForceLeave> replyTo)
      implements Command {}

  private record Tick() implements Command {}

  private record RetryJoin() implements Command {}

  /** The wait for {@code readyToJoin} ended; with a failure (cancelled at shutdown) there is no join. */
  private record ReadyToJoin(Throwable failure) implements Command {}

  private record StillNotReadyToJoin() implements Command {}

  private record FloodJoin() implements Command {}

  /**
   * How often the servers of this DC's LAN cluster are checked against the WAN membership (Consul's
   * flood join): a cheap look at two local lists, so it can be frequent.
   */
  static final Duration FLOOD_JOIN_INTERVAL = Duration.ofSeconds(2);

  private record ExchangeAnswered(String peer, byte[] response) implements Command {}

  private record ExchangeFailed(String peer, Throwable error) implements Command {}

  private record LeaveSpread(ActorRef<Done> replyTo) implements Command {}

  /**
   * What the membership needs from the configuration.
   *
   * @param joins whether this server joins the primary: a secondary does
   */
  public record Setup(String node, String datacenter, String primaryDatacenter, String address,
      Map<String, String> tags, SwimSettings swim, boolean joins, Duration retryInterval) {
  }

  private final Setup setup;
  private final ActorContext<Command> ctx;
  private final Dialer dialer;
  private final GossipPackets packets;
  private final GossipStreams streams;
  private final SwimMembership swim;
  private final String joinTarget;
  private final Supplier<List<String>> lanServers;
  private final String whyNotReady;
  private final Consumer<CompletionStage<?>> closing;
  private boolean joined;
  private final Backoff joinBackoff;
  private int joinFailures;

  private WanMembership(Setup setup, ActorContext<Command> ctx, Dialer dialer, WanRouter router,
      GossipDialer gossipDialer, Supplier<List<String>> lanServers, String whyNotReady,
      Consumer<CompletionStage<?>> closing) {
    this.setup = setup;
    this.closing = closing;
    this.whyNotReady = whyNotReady;
    this.lanServers = lanServers;
    this.ctx = ctx;
    this.dialer = dialer;
    this.packets = new GossipPackets(gossipDialer);
    this.streams = new GossipStreams(gossipDialer);
    long seed = ThreadLocalRandom.current().nextLong();
    // the seed is logged so that a run's probe order and picks can be replayed in the simulation
    LOG.debug("WAN membership of {}.{} uses random seed {}", setup.node(), setup.datacenter(), seed);
    this.swim = new SwimMembership(setup.node(), setup.datacenter(), setup.address(), setup.tags(), setup.swim(),
        new SplittableRandom(seed), new TransportOutbox(), event -> {
          logEvent(event);
          router.onEvent(event);
        }, now());
    this.joinTarget = SwimMembership.anyServerOf(setup.primaryDatacenter());
    Duration firstRetry = setup.retryInterval().compareTo(Duration.ofSeconds(1)) < 0 ? setup.retryInterval()
        : Duration.ofSeconds(1);
    this.joinBackoff = new Backoff(firstRetry, setup.retryInterval(), 0.1);
    router.self(swim.self());
  }

  /** Serf's member events, one line each: the WAN's history as an operator reads it. */
  private static void logEvent(MembershipEvent event) {
    Member m = event.member();
    if (event instanceof MembershipEvent.Failed) {
      LOG.warn("WAN member failed: {} at {}", m.name(), m.address());
    } else if (event instanceof MembershipEvent.Pruned) {
      LOG.info("WAN member pruned (force-leave --prune): {}, {} at {}", m.name(),
          WanRouter.status(m), m.address());
    } else if (event instanceof MembershipEvent.Reaped) {
      LOG.info("WAN member forgotten after being {} too long: {}",
          m.state() == MemberState.LEFT ? "left" : "failed", m.name());
    } else {
      String what = event instanceof MembershipEvent.Joined ? "joined"
          : event instanceof MembershipEvent.Updated ? "updated"
          : event instanceof MembershipEvent.Left ? "left" : "recovered";
      LOG.info("WAN member {}: {} at {}", what, m.name(), m.address());
    }
  }

  /** The membership's server-port side of packets: decoded on arrival and sent to the actor. */
  public static GossipPacketReceiver packetReceiver(ActorRef<Command> membership) {
    // Decoded here, so the transport counts a malformed packet and logs it within limits.
    return new GossipPacketReceiver(packet -> {
      try {
        membership.tell(new PacketReceived(GossipCodec.decode(packet.payload())));
      } catch (GossipCodecException e) {
        throw new MalformedGossipPacketException(e.getMessage(), e);
      }
    });
  }

  /** The membership's server-port side of streams: the event loop is handed a stage, never blocked. */
  public static GossipStreamReceiver streamReceiver(ActorRef<Command> membership, Scheduler scheduler) {
    return new GossipStreamReceiver((request, connection) -> AskPattern.askWithStatus(membership,
        replyTo -> new StateExchangeReceived(request, replyTo), ANSWER_TIMEOUT, scheduler));
  }

  /**
   * @param readyToJoin completes when joining makes sense: the dialer can name gateways (the gateway
   *     locator has read the local store) and, for a secondary federated through mesh gateways, this
   *     DC has one, without which no other DC can reach this server. Joins, and their retries every
   *     retry interval, start then
   * @param whyNotReady what {@code readyToJoin} waits for, logged as a warning if it takes longer
   *     than one retry interval
   * @param lanServers node names of this DC's alive servers (its LAN cluster), flood-joined into the
   *     WAN membership: without it, servers of one DC that joined through different peers would
   *     form separate WAN islands
   * @param closing takes the close of the gossip clients, started when the actor stops and left to
   *     finish on their own threads (up to a few seconds): the actor's thread never waits for it
   */
  public static Behavior<Command> create(Setup setup, Dialer dialer, WanRouter router, GossipDialer gossipDialer,
      CompletionStage<?> readyToJoin, String whyNotReady, Supplier<List<String>> lanServers,
      Consumer<CompletionStage<?>> closing) {
    return create(setup, dialer, router, gossipDialer, readyToJoin, whyNotReady, lanServers, closing, null);
  }

  /** As above, timing answered probes in {@code meters} ({@code meshfed_wan_probe_rtt_seconds}) unless null. */
  public static Behavior<Command> create(Setup setup, Dialer dialer, WanRouter router, GossipDialer gossipDialer,
      CompletionStage<?> readyToJoin, String whyNotReady, Supplier<List<String>> lanServers,
      Consumer<CompletionStage<?>> closing, Meters meters) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      ctx.setLoggerName(WanMembership.class); // else log lines name Pekko's ActorCell
      WanMembership membership = new WanMembership(setup, ctx, dialer, router, gossipDialer, lanServers,
          whyNotReady, closing);
      membership.swim.observeRefusals(new RefusalLog(WanMembership::now));
      if (meters != null) {
        membership.swim.observeProbes((datacenter, millis, indirect) -> meters.timer("meshfed.wan.probe.rtt",
            "SWIM probes of WAN members this server made that were answered, from the ping to the ack, by the"
                + " probed member's datacenter and path (direct, or indirect after the direct ping timed out)",
            Meters.FAST).tags("datacenter", datacenter, "path", indirect ? "indirect" : "direct")
            .register(meters.registry()).record(millis, TimeUnit.MILLISECONDS));
      }
      SwimSettings s = setup.swim();
      // SwimMembership's contract: tick at least every min(probeTimeout, gossipInterval) / 2
      Duration tick = (s.probeTimeout().compareTo(s.gossipInterval()) < 0 ? s.probeTimeout() : s.gossipInterval())
          .dividedBy(2);
      timers.startTimerWithFixedDelay(new Tick(), tick);
      timers.startTimerWithFixedDelay(new FloodJoin(), FLOOD_JOIN_INTERVAL);
      if (setup.joins()) {
        ctx.pipeToSelf(readyToJoin, (ok, err) -> new ReadyToJoin(err));
        timers.startSingleTimer(new StillNotReadyToJoin(), setup.retryInterval());
      }
      return membership.behavior(timers);
    }));
  }

  private Behavior<Command> behavior(TimerScheduler<Command> timers) {
    return Behaviors.receive(Command.class)
        .onMessage(Tick.class, m -> {
          swim.tick(now());
          return Behaviors.same();
        })
        .onMessage(FloodJoin.class, m -> {
          floodJoin();
          return Behaviors.same();
        })
        .onMessage(ReadyToJoin.class, m -> {
          timers.cancel(new StillNotReadyToJoin());
          if (m.failure() != null) {
            ctx.getLog().debug("not joining the WAN: the wait to join ended with {}", m.failure().toString());
            return Behaviors.same();
          }
          joinNow(timers);
          return Behaviors.same();
        })
        .onMessage(StillNotReadyToJoin.class, m -> {
          ctx.getLog().warn("not joining the WAN yet: {}", whyNotReady);
          return Behaviors.same();
        })
        .onMessage(RetryJoin.class, m -> {
          joinNow(timers);
          return Behaviors.same();
        })
        .onMessage(PacketReceived.class, m -> {
          swim.receive(m.envelope().from(), m.envelope().message(), now());
          return Behaviors.same();
        })
        .onMessage(StateExchangeReceived.class, m -> {
          answer(m);
          return Behaviors.same();
        })
        .onMessage(ExchangeAnswered.class, m -> {
          decode(m.response(), "state exchange answer from " + m.peer()).ifPresent(e -> {
            swim.receive(e.from(), e.message(), now());
            boolean refused = e.message() instanceof SwimMessage.PushPull answer && answer.refused();
            if (refused && m.peer().equals(joinTarget) && !joined) {
              // logged by the refusal observer; retried in case the other side is upgraded meanwhile
              joinFailures++;
              timers.startSingleTimer(new RetryJoin(), joinBackoff.delay(joinFailures,
                  ThreadLocalRandom.current().nextDouble()));
            } else if (m.peer().equals(joinTarget) && !joined) {
              joined = true;
              timers.cancel(new RetryJoin());
              ctx.getLog().info("joined the WAN through {} (answered by {})", joinTarget, e.from());
            }
          });
          return Behaviors.same();
        })
        .onMessage(ExchangeFailed.class, m -> {
          if (m.peer().equals(joinTarget) && !joined) {
            joinFailures++;
            Duration delay = joinBackoff.delay(joinFailures, ThreadLocalRandom.current().nextDouble());
            timers.startSingleTimer(new RetryJoin(), delay);
            ctx.getLog().warn("WAN join of {} failed, retrying in {} ms: {}", joinTarget, delay.toMillis(),
                m.error().getMessage());
          } else {
            ctx.getLog().debug("state exchange with {} failed: {}", m.peer(), m.error().toString());
          }
          return Behaviors.same();
        })
        .onMessage(Leave.class, m -> {
          timers.cancel(new RetryJoin());
          swim.leave(now());
          boolean alone = swim.members().stream()
              .allMatch(member -> member.name().equals(swim.name()) || member.state().isGone());
          if (alone) {
            // nobody to tell: a lone server (dev, tests) stops without waiting
            m.replyTo().tell(Done.getInstance());
          } else {
            timers.startSingleTimer(new LeaveSpread(m.replyTo()),
                setup.swim().gossipInterval().multipliedBy(LEAVE_GOSSIP_ROUNDS));
          }
          return Behaviors.same();
        })
        .onMessage(ForceLeave.class, m -> {
          SwimMembership.ForceLeave outcome = swim.forceLeave(m.member(), m.prune(), now());
          if (outcome == SwimMembership.ForceLeave.LEFT || outcome == SwimMembership.ForceLeave.PRUNED) {
            LOG.info("force-leave{} of WAN member {}: {}", m.prune() ? " --prune" : "", m.member(), outcome);
          }
          m.replyTo().tell(outcome);
          return Behaviors.same();
        })
        .onMessage(LeaveSpread.class, m -> {
          m.replyTo().tell(Done.getInstance());
          return Behaviors.same();
        })
        .onSignal(PostStop.class, s -> close())
        .onSignal(PreRestart.class, s -> close())
        .build();
  }

  /**
   * Starts closing the gossip clients, failing what they have in flight, and returns: their event
   * loops end on their own threads. Also before an in-place restart, whose new instance makes its own.
   */
  private Behavior<Command> close() {
    closing.accept(CompletableFuture.allOf(packets.closeAsync().toCompletableFuture(),
        streams.closeAsync().toCompletableFuture()));
    return Behaviors.same();
  }

  /** Consul's floodJoins: every server of this DC's LAN that the WAN membership does not know is joined directly. */
  private void floodJoin() {
    if (swim.self().state().isGone()) {
      return; // leaving
    }
    for (String node : lanServers.get()) {
      String member = Names.wanMemberName(node, setup.datacenter());
      if (swim.member(member).isEmpty()) {
        ctx.getLog().debug("flood-joining {} into the WAN membership", member);
        swim.join(List.of(member));
      }
    }
  }

  /**
   * Joins, and retries after {@code retry-interval-wan} if the exchange neither answers nor fails. A
   * failed one is retried sooner, after 1 s doubling up to that interval: a federation usually
   * starts all at once, and the primary's gateway often routes a few seconds after a secondary's
   * first attempt; waiting the whole interval (Consul's 30 s) then would delay everything after.
   */
  private void joinNow(TimerScheduler<Command> timers) {
    timers.startSingleTimer(new RetryJoin(), setup.retryInterval());
    join();
  }

  private void join() {
    if (!joined) {
      swim.join(List.of(joinTarget));
    }
  }

  private void answer(StateExchangeReceived m) {
    Optional<GossipCodec.Envelope> request = decode(m.request(), "state exchange request");
    if (request.isEmpty() || !(request.get().message() instanceof SwimMessage.PushPull remote)) {
      m.replyTo().tell(StatusReply.error("not a state exchange"));
      return;
    }
    SwimMessage.PushPull local = swim.answerStateExchange(request.get().from(), remote, now());
    encode(local).ifPresentOrElse(bytes -> m.replyTo().tell(StatusReply.success(bytes)),
        () -> m.replyTo().tell(StatusReply.error("the local state does not fit in a gossip frame")));
  }

  private Optional<GossipCodec.Envelope> decode(byte[] bytes, String what) {
    try {
      return Optional.of(GossipCodec.decode(bytes));
    } catch (GossipCodecException e) {
      ctx.getLog().warn("dropped a malformed gossip {}: {}", what, e.getMessage());
      return Optional.empty();
    }
  }

  private Optional<byte[]> encode(SwimMessage message) {
    try {
      return Optional.of(GossipCodec.encode(swim.name(), message));
    } catch (GossipCodecException e) {
      ctx.getLog().error("cannot encode a gossip message: {}", e.getMessage());
      return Optional.empty();
    }
  }

  /**
   * Where the {@link Dialer} routes {@code member} (the join placeholder: "any server" of its DC).
   * Empty, logged, when there is no path yet (a DC whose gateways are not known): SWIM treats it as a
   * lost message.
   */
  private Optional<InetSocketAddress> address(String member) {
    Optional<String> anyOf = SwimMembership.anyServerDatacenter(member);
    try {
      if (anyOf.isPresent()) {
        return Optional.of(dialer.route(anyOf.get(), Dialer.ANY_SERVER).address());
      }
      Names.WanMemberName name = Names.parseWanMemberName(member).orElseThrow();
      return Optional.of(dialer.route(name.datacenter(), name.node()).address());
    } catch (ApiException e) {
      ctx.getLog().debug("no path to WAN member {}: {}", member, e.getMessage());
      return Optional.empty();
    }
  }

  private static long now() {
    return System.nanoTime() / 1_000_000;
  }

  /** Called only from inside the actor's message handling, through the SWIM core. */
  private final class TransportOutbox implements Outbox {
    @Override
    public void sendPacket(String toMember, SwimMessage message) {
      address(toMember).ifPresent(address -> encode(message).ifPresent(bytes ->
          packets.send(toMember, address, bytes).whenComplete((sent, error) -> {
            if (error != null) {
              // best effort, like UDP: SWIM's probes and retransmissions make up for a lost packet
              LOG.debug("gossip packet to {} lost: {}", toMember, error.toString());
            }
          })));
    }

    @Override
    public void exchangeState(String toMember, SwimMessage.PushPull localState) {
      Optional<InetSocketAddress> address = address(toMember);
      Optional<byte[]> request = encode(localState);
      if (address.isEmpty() || request.isEmpty()) {
        return;
      }
      ctx.pipeToSelf(streams.exchange(toMember, address.get(), request.get(), STREAM_DEADLINE),
          (response, error) -> error == null ? new ExchangeAnswered(toMember, response)
              : new ExchangeFailed(toMember, error));
    }
  }
}
