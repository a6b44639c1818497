package io.meshfed.actors.wan.swim;

import java.time.Duration;
import java.util.Objects;

/**
 * SWIM timings. {@link #wanDefaults()} are memberlist's {@code DefaultWANConfig} values (as Consul's
 * WAN pool uses them), plus Serf's reconnect interval:
 * <ul>
 *   <li>probeInterval 5 s, probeTimeout 3 s, indirectChecks 3;
 *   <li>suspicionMult 6: suspicion timeout = 6 · max(1, log10(n)) · probeInterval (60 s at 100 members);
 *   <li>suspicionMaxTimeoutMult 6 (Lifeguard): an unconfirmed suspicion lasts up to 6 times that, and
 *       each independent confirmation shortens it, down to the plain timeout after
 *       suspicionMult − 2 of them;
 *   <li>retransmitMult 4: an update is sent 4 · ceil(log10(n + 1)) times (12 at 100 members);
 *   <li>gossipInterval 500 ms to gossipNodes 4 members, including dead ones for gossipToTheDeadTime 60 s;
 *   <li>pushPullInterval 60 s, scaled up above 32 members as memberlist does;
 *   <li>reconnectInterval 30 s (Serf): a failed member is retried with a push/pull, which is how
 *       the two sides of a healed partition find each other again;
 *   <li>reconnectTimeout 72 h and tombstoneTimeout 24 h (Serf): a member failed or left that long
 *       is forgotten;
 *   <li>packetBudgetBytes 1400: piggy-back budget of one packet (memberlist's UDP buffer).
 * </ul>
 */
public record SwimSettings(Duration probeInterval, Duration probeTimeout, int indirectChecks,
    int suspicionMult, int suspicionMaxTimeoutMult, int retransmitMult, Duration gossipInterval, int gossipNodes,
    Duration gossipToTheDeadTime, Duration pushPullInterval, Duration reconnectInterval,
    Duration reconnectTimeout, Duration tombstoneTimeout, int packetBudgetBytes) {

  private static final int PUSH_PULL_SCALE_THRESHOLD = 32;

  public SwimSettings {
    requirePositive(probeInterval, "probeInterval");
    requirePositive(probeTimeout, "probeTimeout");
    requirePositive(gossipInterval, "gossipInterval");
    requirePositive(gossipToTheDeadTime, "gossipToTheDeadTime");
    requirePositive(pushPullInterval, "pushPullInterval");
    requirePositive(reconnectInterval, "reconnectInterval");
    requirePositive(reconnectTimeout, "reconnectTimeout");
    requirePositive(tombstoneTimeout, "tombstoneTimeout");
    if (probeTimeout.compareTo(probeInterval) >= 0) {
      throw new IllegalArgumentException("probeTimeout must be shorter than probeInterval: the indirect "
          + "probe needs the rest of the interval");
    }
    if (indirectChecks < 0 || suspicionMult < 1 || suspicionMaxTimeoutMult < 1 || retransmitMult < 1
        || gossipNodes < 1 || packetBudgetBytes < 256) {
      throw new IllegalArgumentException("indirectChecks >= 0, suspicionMult, suspicionMaxTimeoutMult, "
          + "retransmitMult, gossipNodes >= 1 and packetBudgetBytes >= 256 are required");
    }
  }

  public static SwimSettings wanDefaults() {
    return new SwimSettings(Duration.ofSeconds(5), Duration.ofSeconds(3), 3, 6, 6, 4,
        Duration.ofMillis(500), 4, Duration.ofSeconds(60), Duration.ofSeconds(60),
        Duration.ofSeconds(30), Duration.ofHours(72), Duration.ofHours(24), 1400);
  }

  /** memberlist's suspicionTimeout: suspicionMult · max(1, log10(n)) · probeInterval. */
  public Duration suspicionTimeout(int members) {
    double scale = Math.max(1.0, Math.log10(Math.max(1, members)));
    return Duration.ofMillis((long) (suspicionMult * scale * probeInterval.toMillis()));
  }

  /**
   * Lifeguard's k: the independent confirmations that shorten a suspicion to {@link
   * #suspicionTimeout}; none when too few other members exist to confirm (memberlist: n − 2 < k).
   */
  public int expectedConfirmations(int members) {
    int k = suspicionMult - 2;
    return members - 2 < k ? 0 : k;
  }

  /** memberlist's retransmitLimit: retransmitMult · ceil(log10(n + 1)). */
  public int retransmitLimit(int members) {
    return retransmitMult * (int) Math.ceil(Math.log10(members + 1.0));
  }

  /**
   * memberlist's pushPullScale: above 32 members the interval grows by one step per doubling, so the
   * total stream load stays flat as the federation grows.
   */
  public Duration pushPullInterval(int members) {
    if (members <= PUSH_PULL_SCALE_THRESHOLD) {
      return pushPullInterval;
    }
    double doublings = Math.log(members) / Math.log(2) - Math.log(PUSH_PULL_SCALE_THRESHOLD) / Math.log(2);
    return pushPullInterval.multipliedBy((long) Math.ceil(doublings) + 1);
  }

  /**
   * The time within which every alive member declares a silent member dead, n members in all:
   * <pre>
   *   (2n − 2) · probeInterval        a prober reaches the silent member in its shuffled round-robin
   *                                   (worst case: first of one round, last of the next) and suspects
   *                                   it at the end of that probe's interval
   * + suspicionTimeout(n)             the suspecter's timer once confirmed: by the end of that round
   *                                   every member has probed the silent one and its suspicion has
   *                                   confirmed the others', so Lifeguard's longer unconfirmed
   *                                   timeout does not apply; members that heard later started their
   *                                   timers later, by at most the dissemination time:
   * + retransmitLimit(n) · gossipInterval + pushPullInterval(n)
   *                                   gossip retransmissions, then one full-state exchange as slack
   * </pre>
   * The simulation checks this bound for up to 100 members, with random seeds explored beyond the
   * fixed ones the build runs.
   */
  public Duration deadDetectionBound(int members) {
    return probeInterval.multipliedBy(2L * members - 2)
        .plus(suspicionTimeout(members))
        .plus(disseminationBound(members));
  }

  /** Time for an update to reach every member: its gossip retransmissions plus one push/pull. */
  public Duration disseminationBound(int members) {
    return gossipInterval.multipliedBy(retransmitLimit(members)).plus(pushPullInterval(members));
  }

  private static void requirePositive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive");
    }
  }
}
