package io.meshfed.actors.federation;

import io.meshfed.protocol.model.FederationState;
import io.meshfed.protocol.model.Quote;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * How far the primary's current gateways have spread, built from the primary's own record and what
 * each secondary last reported with its replication read ({@link ReplicaLedger}); and whether
 * removing some of the primary's gateways would leave a DC knowing none that stays.
 *
 * <p>A secondary reaches the primary only through gateways of the primary it knows from its
 * replicated copy (its own gateways route by that copy). Replacing them is safe once every DC's copy
 * names a gateway that stays: that is the check, not "every DC has the newest index", so removing
 * one of two old gateways is allowed while a DC still only knows the old pair.
 *
 * @param primaryStateIndex the primary's {@code ModifyIndex} of its own record (0: none yet)
 * @param gateways the primary's gateways now
 * @param complete every DC holds the current record
 * @param removal present when gateways to remove were named
 */
public record GatewayRollout(String primary, long primaryStateIndex, List<GatewayRef> gateways,
    List<DatacenterRollout> datacenters, boolean complete, Optional<Removal> removal) {

  /**
   * A secondary reads at least once per replication wait (30 s) while its route works; a report
   * older than this says its replication has been failing for a while.
   */
  public static final Duration STALE_AFTER = Duration.ofSeconds(65);
  /** A DC without a federation state that has not read for this long is no longer listed (pruned, gone). */
  static final Duration FORGET_AFTER = Duration.ofMinutes(10);

  public enum Status {
    /** Holds the primary's current record. */
    CURRENT,
    /** Holds an older record of the primary (or none). */
    BEHIND,
    /** No replication read from it heard since the primary's servers started. */
    UNKNOWN;

    public String wireName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * One secondary.
   *
   * @param primaryStateIndex the primary's {@code ModifyIndex} of the copy it holds (0: none or unknown)
   * @param dials the primary's gateways in its copy
   * @param oldGateways those of {@code dials} the primary no longer has
   * @param lastRead when its last replication read reached the primary; null if never
   * @param heardBy the primary's server that heard it; empty if never
   * @param reason the status in words
   */
  public record DatacenterRollout(String datacenter, Status status, long primaryStateIndex, List<GatewayRef> dials,
      List<GatewayRef> oldGateways, Instant lastRead, String heardBy, String reason) {}

  /**
   * @param lagging the DCs that would know no gateway of the primary that stays
   * @param message the verdict in words, naming each lagging DC and why
   */
  public record Removal(List<String> remove, boolean safe, List<String> lagging, String message) {}

  /** Thrown for a gateway to remove that neither the primary nor any DC knows. */
  public static final class UnknownGateway extends IllegalArgumentException {
    UnknownGateway(String message) {
      super(message);
    }
  }

  /**
   * @param primaryState the primary's own record; null when it has none yet
   * @param secondaries the DCs with a federation state in the primary, other than the primary
   * @param progress the secondaries' last reports, by DC
   * @param remove gateways (node names or addresses) whose removal to judge, in any order; empty: no judgement
   * @throws UnknownGateway when a name in {@code remove} is no gateway of the primary's, now or in any DC's copy
   */
  public static GatewayRollout of(String primary, FederationState primaryState, Collection<String> secondaries,
      Map<String, ReplicaProgress> progress, List<String> remove, Instant now) {
    List<GatewayRef> current = primaryState == null ? List.of() : GatewayRef.of(primaryState.meshGateways());
    long index = primaryState == null ? 0 : primaryState.modifyIndex();
    Set<String> currentAddresses = addresses(current);
    Set<String> dcs = new TreeSet<>(secondaries);
    progress.forEach((dc, p) -> {
      if (secondaries.contains(dc) || heardWithin(p, now, FORGET_AFTER)) {
        dcs.add(dc);
      }
    });
    dcs.remove(primary);
    List<DatacenterRollout> out = new ArrayList<>();
    for (String dc : dcs) {
      out.add(datacenter(primary, dc, progress.get(dc), index, current, currentAddresses, now));
    }
    boolean complete = out.stream().allMatch(d -> d.status() == Status.CURRENT);
    // Sorted: the same question asked in another order (or through an API that reorders repeated
    // parameters) gets the same answer.
    Optional<Removal> removal = remove.isEmpty() ? Optional.empty()
        : Optional.of(removal(primary, remove.stream().distinct().sorted().toList(), current, out));
    return new GatewayRollout(primary, index, current, List.copyOf(out), complete, removal);
  }

  private static DatacenterRollout datacenter(String primary, String dc, ReplicaProgress p, long index,
      List<GatewayRef> current, Set<String> currentAddresses, Instant now) {
    if (p == null) {
      return new DatacenterRollout(dc, Status.UNKNOWN, 0, List.of(), List.of(), null, "",
          "no replication read from " + dc + " heard since the primary's servers started");
    }
    ReplicaReport r = p.report();
    List<GatewayRef> old = r.gateways().stream().filter(g -> !currentAddresses.contains(g.address())).toList();
    Instant lastRead = Instant.ofEpochMilli(p.heardAtMillis());
    boolean isCurrent = index > 0 && r.primaryStateIndex() == index;
    String reason;
    if (isCurrent) {
      reason = "has " + primary + "'s current gateways (index " + index + ")";
    } else if (r.primaryStateIndex() == 0) {
      reason = "holds no state of " + primary + " yet";
    } else {
      Set<String> known = addresses(r.gateways());
      List<GatewayRef> missing = current.stream().filter(g -> !known.contains(g.address())).toList();
      reason = "holds " + primary + "'s state at index " + r.primaryStateIndex() + ", the primary's is " + index
          + (old.isEmpty() ? "" : "; still dials " + join(old))
          + (missing.isEmpty() ? "" : "; does not know " + join(missing) + " yet");
    }
    Duration age = Duration.between(lastRead, now);
    if (age.compareTo(STALE_AFTER) > 0) {
      reason += "; its last replication read was " + age.toSeconds() + " s ago: its replication may be failing"
          + " (meshfed operator routines in " + dc + ")";
    }
    return new DatacenterRollout(dc, isCurrent ? Status.CURRENT : Status.BEHIND, r.primaryStateIndex(),
        r.gateways(), old, lastRead, p.heardBy(), reason);
  }

  private static Removal removal(String primary, List<String> remove, List<GatewayRef> current,
      List<DatacenterRollout> dcs) {
    Set<String> removed = new LinkedHashSet<>();
    for (String name : remove) {
      Set<String> matched = new LinkedHashSet<>(matching(name, current));
      dcs.forEach(d -> matched.addAll(matching(name, d.dials())));
      if (matched.isEmpty()) {
        throw new UnknownGateway(Quote.of(name) + " is not a gateway of " + primary + ": its gateways are "
            + (current.isEmpty() ? "none" : join(current)));
      }
      removed.addAll(matched);
    }
    List<GatewayRef> staying = current.stream().filter(g -> !removed.contains(g.address())).toList();
    List<String> lagging = new ArrayList<>();
    List<String> why = new ArrayList<>();
    List<String> fine = new ArrayList<>();
    Set<String> stayingAddresses = addresses(staying);
    for (DatacenterRollout d : dcs) {
      List<GatewayRef> keeps = d.dials().stream().filter(g -> stayingAddresses.contains(g.address())).toList();
      if (d.status() == Status.UNKNOWN || keeps.isEmpty()) {
        lagging.add(d.datacenter());
        why.add(d.datacenter() + " (" + (d.status() == Status.UNKNOWN ? d.reason()
            : d.dials().isEmpty() ? "knows no gateway of " + primary
            : "knows only " + join(d.dials()) + ": " + d.reason()) + ")");
      } else {
        fine.add(d.datacenter() + " (" + keeps.stream().map(GatewayRef::node).collect(Collectors.joining(", ")) + ")");
      }
    }
    String names = String.join(", ", remove);
    String message;
    if (staying.isEmpty()) {
      message = "removing " + names + " would leave " + primary + " without a gateway: start their replacements first";
      lagging = dcs.stream().map(DatacenterRollout::datacenter).toList();
    } else if (!lagging.isEmpty()) {
      message = "removing " + names + " now would cut " + String.join(", ", lagging) + " off from " + primary
          + ": " + String.join("; ", why) + "; wait until " + (lagging.size() == 1 ? "it has" : "they have")
          + " replicated " + primary + "'s current gateways";
    } else {
      message = "every DC knows a gateway of " + primary + " that stays"
          + (fine.isEmpty() ? " (there are no other DCs)" : ": " + String.join(", ", fine));
    }
    return new Removal(List.copyOf(remove), !staying.isEmpty() && lagging.isEmpty(), List.copyOf(lagging), message);
  }

  private static List<String> matching(String name, List<GatewayRef> gateways) {
    return gateways.stream().filter(g -> g.node().equals(name) || g.address().equals(name))
        .map(GatewayRef::address).toList();
  }

  private static boolean heardWithin(ReplicaProgress p, Instant now, Duration within) {
    return Duration.between(Instant.ofEpochMilli(p.heardAtMillis()), now).compareTo(within) <= 0;
  }

  private static Set<String> addresses(List<GatewayRef> gateways) {
    return gateways.stream().map(GatewayRef::address).collect(Collectors.toCollection(TreeSet::new));
  }

  private static String join(List<GatewayRef> gateways) {
    return gateways.stream().map(GatewayRef::toString).collect(Collectors.joining(", "));
  }
}
