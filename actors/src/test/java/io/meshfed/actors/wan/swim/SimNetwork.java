package io.meshfed.actors.wan.swim;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;

/**
 * An in-memory network driving SWIM members on a virtual clock: deliveries sit in a priority queue
 * by virtual time (ties by send order), each link has its own latency, packets are lost with a
 * probability, and a partitioned DC can reach nobody outside (nor be reached). Streams (push/pull)
 * are reliable like TCP but obey partitions. Every message goes through {@link GossipCodec}, so the
 * wire format is exercised too. Everything random derives from one seed: a seed replays a run.
 */
final class SimNetwork {
  static final long TICK_MS = 50;

  /** Sim timings: WAN ratios, 5x faster, so minutes of virtual time stay cheap. */
  static final SwimSettings SETTINGS = new SwimSettings(Duration.ofSeconds(1), Duration.ofMillis(500), 3, 6, 6,
      4, Duration.ofMillis(200), 4, Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofSeconds(5),
      Duration.ofHours(72), Duration.ofHours(24), 1400);

  private record Delivery(long at, long order, Runnable action) {}

  final long seed;
  private final SplittableRandom random;
  private final PriorityQueue<Delivery> queue = new PriorityQueue<>(
      (a, b) -> a.at != b.at ? Long.compare(a.at, b.at) : Long.compare(a.order, b.order));
  private final Map<String, Node> nodes = new LinkedHashMap<>();
  private final Map<String, Long> latencies = new HashMap<>();
  private final Set<String> partitioned = new HashSet<>();
  private final Set<String> unreachable = new HashSet<>();
  private long order;
  private long now;
  private double lossRate;

  SimNetwork(long seed) {
    this.seed = seed;
    this.random = new SplittableRandom(seed);
  }

  /** One simulated server: its membership, whether it runs, and the events it reported. */
  final class Node implements Outbox {
    final String node;
    final String dc;
    final SwimMembership swim;
    final List<MembershipEvent> events = new ArrayList<>();
    boolean running = true;

    Node(String node, String dc) {
      this.node = node;
      this.dc = dc;
      this.swim = new SwimMembership(node, dc, "10.0." + nodes.size() / 250 + "." + nodes.size() % 250 + ":8300",
          Map.of(Member.Tags.VERSION, "0.1.0", Member.Tags.FEATURE_FEDERATION_STATES, "1",
              Member.Tags.ROLE, "server", Member.Tags.PORT, "8300"),
          SETTINGS, random.split(), this, events::add, now);
    }

    String name() {
      return swim.name();
    }

    @Override
    public void sendPacket(String toMember, SwimMessage message) {
      Node to = nodes.get(toMember);
      if (to == null || !reaches(this, to) || random.nextDouble() < lossRate) {
        return;
      }
      SwimMessage wire = roundTrip(name(), message);
      schedule(latency(this, to), () -> {
        if (to.running && reaches(this, to)) {
          to.swim.receive(name(), wire, now);
        }
      });
    }

    @Override
    public void exchangeState(String toMember, SwimMessage.PushPull localState) {
      Node to = SwimMembership.anyServerDatacenter(toMember).map(this::anyServerOf).orElse(nodes.get(toMember));
      if (to == null || !reaches(this, to)) {
        return;
      }
      SwimMessage.PushPull request = (SwimMessage.PushPull) roundTrip(name(), localState);
      long oneWay = latency(this, to);
      schedule(oneWay, () -> {
        if (!to.running || !reaches(this, to)) {
          return;
        }
        SwimMessage reply = roundTrip(to.name(), to.swim.answerStateExchange(name(), request, now));
        schedule(oneWay, () -> {
          if (running && linked(this, to)) {
            swim.receive(to.name(), reply, now);
          }
        });
      });
    }

    /** What a gateway does for {@code server.<dc>.<domain>}: any running server of the DC. */
    private Node anyServerOf(String datacenter) {
      List<Node> candidates = nodes.values().stream()
          .filter(n -> n.running && n.dc.equals(datacenter) && n != this).toList();
      return candidates.isEmpty() ? null : candidates.get(random.nextInt(candidates.size()));
    }
  }

  Node start(String node, String dc) {
    Node n = new Node(node, dc);
    nodes.put(n.name(), n);
    return n;
  }

  List<Node> nodes() {
    return List.copyOf(nodes.values());
  }

  List<Node> running() {
    return nodes.values().stream().filter(n -> n.running).toList();
  }

  long now() {
    return now;
  }

  void lossRate(double rate) {
    this.lossRate = rate;
  }

  void partition(String dc) {
    partitioned.add(dc);
  }

  void heal() {
    partitioned.clear();
    unreachable.clear();
  }

  /**
   * Nothing from outside reaches {@code dc}, while its members' own connections out still work, an
   * answer included: a new DC before the others' gateways know its gateways.
   */
  void unreachable(String dc) {
    unreachable.add(dc);
  }

  /** Silences a node: it neither ticks nor answers (a crash, or stopping after a leave). */
  void stop(Node node) {
    node.running = false;
  }

  /** Advances virtual time to {@code until}, delivering messages and ticking running nodes. */
  void runUntil(long until) {
    while (now < until) {
      long next = now + TICK_MS;
      while (!queue.isEmpty() && queue.peek().at <= next) {
        Delivery d = queue.poll();
        now = d.at;
        d.action.run();
      }
      now = next;
      for (Node n : nodes.values()) {
        if (n.running) {
          n.swim.tick(now);
        }
      }
    }
  }

  /** Runs until {@code condition} holds (checked every tick) or {@code deadline}; true if it held. */
  boolean runUntil(java.util.function.BooleanSupplier condition, long deadline) {
    while (now < deadline) {
      if (condition.getAsBoolean()) {
        return true;
      }
      runUntil(now + TICK_MS);
    }
    return condition.getAsBoolean();
  }

  /** The state {@code observer} holds about {@code subject}, or null if it never heard of it. */
  static MemberState stateOf(Node observer, Node subject) {
    return observer.swim.member(subject.name()).map(Member::state).orElse(null);
  }

  String describe(Node observer) {
    return observer.name() + " sees " + observer.swim.members().stream()
        .map(m -> m.name() + "=" + m.state() + "@" + m.incarnation()).collect(Collectors.joining(", "));
  }

  private void schedule(long delay, Runnable action) {
    queue.add(new Delivery(now + delay, order++, action));
  }

  /** Whether {@code from} can open a connection to {@code to}. */
  private boolean reaches(Node from, Node to) {
    return linked(from, to) && (from.dc.equals(to.dc) || !unreachable.contains(to.dc));
  }

  private boolean linked(Node a, Node b) {
    return a.dc.equals(b.dc) || !partitioned.contains(a.dc) && !partitioned.contains(b.dc);
  }

  /** 1-5 ms inside a DC, 20-80 ms between DCs (through two gateways), fixed per link. */
  private long latency(Node a, Node b) {
    String key = a.name().compareTo(b.name()) < 0 ? a.name() + "|" + b.name() : b.name() + "|" + a.name();
    return latencies.computeIfAbsent(key,
        k -> a.dc.equals(b.dc) ? 1 + random.nextLong(5) : 20 + random.nextLong(61));
  }

  private static SwimMessage roundTrip(String from, SwimMessage message) {
    try {
      GossipCodec.Envelope envelope = GossipCodec.decode(GossipCodec.encode(from, message));
      if (!envelope.from().equals(from)) {
        throw new AssertionError("codec changed the sender: " + envelope.from());
      }
      return envelope.message();
    } catch (GossipCodecException e) {
      throw new AssertionError("codec rejected a message the membership produced: " + message, e);
    }
  }
}
