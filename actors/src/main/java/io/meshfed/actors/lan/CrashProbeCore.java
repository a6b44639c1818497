package io.meshfed.actors.lan;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The decisions of {@link LanCrashProbe}, without actors, sockets or clocks. A server whose process
 * died while its machine lives has a kernel that refuses connections to its LAN port at once (RST);
 * a paused or busy one still accepts them (the kernel completes the handshake), and a machine that is
 * gone or cut off does not answer at all. So only refusals count, and two in a row from two probe
 * rounds, on a member still Up, prove a crash: its LAN port has been closed since the last round.
 *
 * @param <A> a member's address
 */
public final class CrashProbeCore<A> {
  /** What one connection attempt to a member's LAN port gave. */
  public enum Outcome {
    /** The handshake completed: something listens. */
    ACCEPTED,
    /** The peer's kernel answered RST: nothing listens. */
    REFUSED,
    /** No answer in time, or any other error: says nothing about the process. */
    OTHER
  }

  /** How many refusals in a row, from consecutive rounds, make a crash. */
  public static final int REFUSALS = 2;

  private final Map<A, Integer> refusals = new HashMap<>();
  private final Set<A> inFlight = new HashSet<>();
  private final Set<A> decided = new HashSet<>();
  private Set<A> up = Set.of();

  /**
   * A probe round: the members to connect to now. {@code othersUp} are the other members that are
   * Up; while this server is not Up itself it probes nothing (it may not see the cluster yet).
   */
  public List<A> round(boolean selfUp, Set<A> othersUp) {
    up = selfUp ? Set.copyOf(othersUp) : Set.of();
    refusals.keySet().retainAll(up);
    decided.retainAll(up);
    inFlight.retainAll(up);
    List<A> probe = up.stream().filter(a -> !decided.contains(a) && !inFlight.contains(a)).toList();
    inFlight.addAll(probe);
    return probe;
  }

  /** The outcome of a probe of {@code member}; true when it proves the member crashed (once per member). */
  public boolean outcome(A member, Outcome outcome) {
    inFlight.remove(member);
    if (!up.contains(member) || decided.contains(member)) {
      return false;
    }
    if (outcome != Outcome.REFUSED) {
      refusals.remove(member);
      return false;
    }
    int n = refusals.merge(member, 1, Integer::sum);
    if (n < REFUSALS) {
      return false;
    }
    refusals.remove(member);
    decided.add(member);
    return true;
  }

  /** How many refusals in a row {@code member} has now (for tests and logs). */
  public Optional<Integer> refusalsOf(A member) {
    return Optional.ofNullable(refusals.get(member));
  }
}
