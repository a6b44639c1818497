package io.meshfed.actors.lan;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.cluster.typed.JoinSeedNodes;

/**
 * Forms a DC's LAN cluster from whichever of its servers are present, in any start order
 * (docs/operations.md, "Bootstrapping a DC"). Pekko's seed nodes let only the first seed of the list
 * form a cluster, so a DC whose lowest-addressed server is down at first start never forms, and a
 * restarted first seed that hears no other seed in time forms one of its own.
 *
 * <p>Instead, every server asks every other server, every {@link Settings#probeInterval}, whether
 * it is in a cluster and which servers it hears. Once some are in one, it joins through them
 * (Pekko's seed process, with them as the seeds and never itself, so it cannot form a cluster of
 * its own). A server forms the cluster (joins itself) only when no server it hears is in a
 * cluster, at least {@code bootstrap-expect} servers (itself included) have answered it, that set
 * has not changed for {@link Settings#stableMargin}, and its address is the lowest of that set and
 * of every set its peers reported. The others then join it through their seed process. Two groups of servers that
 * cannot hear each other cannot both form one, since {@code bootstrap-expect} is a majority of the
 * DC (checked at start); peers' reports keep two servers that hear different subsets from both
 * forming.
 *
 * <p>The questions travel over Artery (the LAN port, with its TLS), so there is no listener of its
 * own. The actor keeps answering for as long as the server runs; it stops asking once this server
 * is Up in its cluster.
 */
public final class LanBootstrap {
  /** Its name under {@code /system}, the same on every server, where peers address their questions. */
  public static final String NAME = "lan-bootstrap";

  /** Messages between servers: serialized with Jackson CBOR (reference.conf). */
  public interface Wire {}

  public sealed interface Command {}

  /** A peer's question: are you in a cluster, and whom do you hear? */
  public record Probe(ActorRef<Answer> replyTo) implements Command, Wire {}

  /**
   * @param from the answering server's LAN address ({@code host:port})
   * @param member it is in a cluster (joining, up, or on its way there)
   * @param hears the servers that answered its last round of questions, itself included
   * @param members when {@code member}: the members of its cluster; otherwise the servers it has
   *     heard say they are in one (it is joining through them)
   */
  public record Answer(String from, boolean member, List<String> hears, List<String> members) implements Wire {}

  private record Answered(Answer answer) implements Command {}

  private enum Tick implements Command { INSTANCE }

  /**
   * @param self this server's LAN address ({@code host:port}, as Artery's canonical address)
   * @param seeds the DC's servers: {@code retry-join} and this one
   * @param expect {@code bootstrap-expect}
   */
  public record Settings(String self, List<String> seeds, int expect, Duration probeInterval, Duration stableMargin) {
    public static final Duration PROBE_INTERVAL = Duration.ofMillis(250);
    public static final Duration STABLE_MARGIN = Duration.ofSeconds(1);

    List<String> others() {
      return seeds.stream().filter(s -> !s.equals(self)).distinct().sorted().toList();
    }
  }

  /** What a round of answers tells this server to do. */
  enum Decision { FORM, WAIT }

  /**
   * The rule, apart from the time it must hold (see the class comment).
   *
   * @param present this server and every peer that answered, none of them in a cluster
   * @param heardByPeers what each of those peers reported hearing
   */
  static Decision decide(String self, int expect, SortedSet<String> present, List<List<String>> heardByPeers) {
    if (present.size() < expect) {
      return Decision.WAIT;
    }
    TreeSet<String> everyone = new TreeSet<>(present);
    heardByPeers.forEach(everyone::addAll);
    return everyone.first().equals(self) ? Decision.FORM : Decision.WAIT;
  }

  private LanBootstrap() {}

  /** {@code progress} is kept up to date for those who would wait for this server to be Up. */
  public static Behavior<Command> create(Settings settings, JoinProgress progress) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      ctx.setLoggerName(LanBootstrap.class);
      Cluster cluster = Cluster.get(ctx.getSystem());
      List<String> others = settings.others();
      if (others.isEmpty()) {
        progress.joining();
        cluster.manager().tell(Join.create(cluster.selfMember().address()));
        return new Running(ctx, timers, settings, progress, cluster, List.of()).answeringOnly();
      }
      timers.startTimerWithFixedDelay(Tick.INSTANCE, settings.probeInterval());
      return new Running(ctx, timers, settings, progress, cluster, others).probing();
    }));
  }

  /** The Artery address of the server at {@code host:port} (IPv6 hosts in brackets). */
  static Address address(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    String host = hostPort.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return new Address("pekko", LanCluster.SYSTEM_NAME, host, Integer.parseInt(hostPort.substring(colon + 1)));
  }

  private static final class Running {
    private final ActorContext<Command> ctx;
    private final TimerScheduler<Command> timers;
    private final Settings settings;
    private final JoinProgress progress;
    private final Cluster cluster;
    private final List<String> others;
    private final ActorRef<Answer> answers;
    private final Map<String, Answer> round = new HashMap<>();
    private List<String> hears;
    private SortedSet<String> present = new TreeSet<>();
    private long presentSince;
    private SortedSet<String> joiningVia = new TreeSet<>();
    private boolean apart;
    private boolean joinedItself;

    Running(ActorContext<Command> ctx, TimerScheduler<Command> timers, Settings settings, JoinProgress progress,
        Cluster cluster, List<String> others) {
      this.ctx = ctx;
      this.timers = timers;
      this.settings = settings;
      this.progress = progress;
      this.cluster = cluster;
      this.others = others;
      this.answers = ctx.messageAdapter(Answer.class, Answered::new);
      this.hears = List.of(settings.self());
    }

    Behavior<Command> probing() {
      return Behaviors.receive(Command.class)
          .onMessage(Probe.class, this::answer)
          .onMessage(Answered.class, a -> {
            round.put(a.answer().from(), a.answer());
            return Behaviors.same();
          })
          .onMessageEquals(Tick.INSTANCE, this::tick)
          .build();
    }

    Behavior<Command> answeringOnly() {
      return Behaviors.receive(Command.class)
          .onMessage(Probe.class, this::answer)
          .onMessage(Answered.class, a -> Behaviors.same())
          .onMessageEquals(Tick.INSTANCE, Behaviors::same)
          .build();
    }

    private Behavior<Command> answer(Probe p) {
      boolean member = isMember();
      p.replyTo().tell(new Answer(settings.self(), member, hears,
          member ? clusterMembers() : List.copyOf(joiningVia)));
      return Behaviors.same();
    }

    private boolean isMember() {
      return cluster.selfMember().status() != MemberStatus.removed();
    }

    private List<String> clusterMembers() {
      List<String> members = new ArrayList<>();
      cluster.state().getMembers().forEach(m -> members.add(
          m.address().getHost().orElse("") + ":" + m.address().getPort().orElse(0)));
      return members;
    }

    private Behavior<Command> tick() {
      List<Answer> answered = new ArrayList<>(round.values());
      round.clear();
      if (isMember()) {
        return whileJoining(answered);
      }
      TreeSet<String> heard = new TreeSet<>();
      heard.add(settings.self());
      answered.forEach(a -> heard.add(a.from()));
      hears = List.copyOf(heard);
      // In a cluster by their own word, or by the word of a peer that is joining through them: a peer
      // may hear a member that this server does not hear yet.
      TreeSet<String> members = new TreeSet<>();
      answered.stream().filter(Answer::member).forEach(a -> members.add(a.from()));
      answered.stream().filter(a -> !a.member()).forEach(a -> members.addAll(a.members()));
      members.remove(settings.self());
      if (!members.isEmpty() && !joiningVia.containsAll(members)) {
        // Pekko's seed process asks them and joins the first that is in the cluster.
        joiningVia = new TreeSet<>(members);
        ctx.getLog().info("joining this DC's LAN cluster through {}", String.join(", ", members));
        progress.joining();
        cluster.manager().tell(new JoinSeedNodes(members.stream().map(LanBootstrap::address).toList()));
      }
      long now = System.nanoTime();
      if (!heard.equals(present)) {
        present = heard;
        presentSince = now;
      }
      boolean stable = now - presentSince >= settings.stableMargin().toNanos();
      if (!joinedItself && members.isEmpty() && stable && decide(settings.self(), settings.expect(), present,
          answered.stream().map(Answer::hears).toList()) == Decision.FORM) {
        ctx.getLog().info("forming this DC's LAN cluster: {} of {} servers answer ({}), none is in a cluster, and "
            + "this one has the lowest address (bootstrap-expect {})", present.size(), others.size() + 1,
            String.join(", ", present), settings.expect());
        progress.joining();
        cluster.manager().tell(Join.create(cluster.selfMember().address()));
        joinedItself = true;
        return Behaviors.same();
      }
      probe();
      return Behaviors.same();
    }

    /**
     * In a cluster that is not Up yet (below {@code bootstrap-expect}): keeps asking, and says so
     * once if a server answers from another cluster, which only a lost race of two formations can
     * cause. That cluster never comes Up (min-nr-of-members), so nothing runs twice; this server
     * has to be restarted to join the DC, and the log line says so.
     */
    private Behavior<Command> whileJoining(List<Answer> answered) {
      if (cluster.selfMember().status() != MemberStatus.joining()) {
        timers.cancel(Tick.INSTANCE);
        return answeringOnly();
      }
      List<String> ours = clusterMembers();
      // Another cluster shares no member with ours; a peer that this server's view has not caught up
      // with yet (it joined the same cluster a gossip round ago) shares at least the one it joined through.
      answered.stream()
          .filter(a -> a.member() && !ours.contains(a.from()) && a.members().stream().noneMatch(ours::contains))
          .findFirst().filter(a -> !apart).ifPresent(a -> {
            apart = true;
            progress.apart();
            ctx.getLog().warn("this server is in a LAN cluster of its own ({}) while {} is in another ({}): it "
                + "cannot join that one; restart this server and it will", String.join(", ", ours), a.from(),
                String.join(", ", a.members()));
          });
      probe();
      return Behaviors.same();
    }

    private void probe() {
      for (String peer : others) {
        Adapter.toClassic(ctx.getSystem()).actorSelection(address(peer) + "/system/" + NAME)
            .tell(new Probe(answers), org.apache.pekko.actor.ActorRef.noSender());
      }
    }
  }
}
