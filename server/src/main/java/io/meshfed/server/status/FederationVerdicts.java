package io.meshfed.server.status;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * The verdict rules of the federation status (docs/operations.md, "Troubleshooting: start from
 * {@code meshfed federation status}"): from what one server knows, in plain values, a verdict per
 * DC with its reasons in words. Pure, so every rule is tested on its own; the endpoint gathers the
 * inputs and keeps the times.
 */
public final class FederationVerdicts {
  private FederationVerdicts() {}

  /** How much time a certificate has left before the status warns: the TLS preflight's window. */
  public static final Duration CERTIFICATE_WARNING = io.meshfed.transport.tls.TlsMaterial.EXPIRY_WARNING;

  /**
   * A secondary's replication ends a round at least once per blocking read (at most 31.875 s with
   * jitter), changes or not; with no round done and none failed for this long, a step is stuck.
   * Below the watchdog's 51.875 s, so a wedge shows before the routine is ended and restarted.
   */
  public static final Duration REPLICATION_STALLED_AFTER = Duration.ofSeconds(45);

  /** Within this, a certificate about to expire makes its DC degraded: the TLS preflight's urgent window. */
  public static final Duration CERTIFICATE_URGENT = io.meshfed.transport.tls.TlsMaterial.EXPIRY_URGENT;

  /** A secondary reads from the primary at least once per replication wait while its route works. */
  public static final Duration REPLICA_STALE_AFTER = io.meshfed.actors.federation.GatewayRollout.STALE_AFTER;

  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss 'UTC'", Locale.ROOT)
      .withZone(ZoneOffset.UTC);

  public enum Verdict {
    HEALTHY, DEGRADED, UNREACHABLE;

    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Serf's status of a WAN member, with suspicion apart (it is still routed to). */
  public enum MemberStatus {
    ALIVE, SUSPECT, FAILED, LEFT
  }

  /**
   * One server in this server's WAN view.
   *
   * @param since when this server first saw it in {@code status}
   */
  public record Server(String node, String datacenter, MemberStatus status, Instant since) {}

  /**
   * A gateway this server would dial.
   *
   * @param probeError the reason of its last failed probe; null when it passes (or was not probed yet)
   */
  public record Gateway(String address, String probeError) {}

  /**
   * How this server reaches a DC.
   *
   * @param via {@code local-gateways}, {@code primary-gateways}, {@code static-gateways} or {@code none}
   * @param probed whether the gateways are probed (static ones are not)
   */
  public record Path(String via, List<Gateway> gateways, boolean probed) {
    public Path {
      gateways = List.copyOf(gateways);
    }
  }

  /** A DC's federation state in this server's store. */
  public record State(int meshGateways, Instant updatedAt) {}

  /** The primary's record of a secondary's replication reads (decision 0018); status current, behind, unknown. */
  public record Replica(String status, Instant lastRead, String reason) {}

  /** The leader's federation-state replication (a secondary). */
  public record Replication(boolean healthy, long remoteIndex, int consecutiveFailures, Instant lastSuccess,
      Instant lastErrorAt, String lastError, long wedgedRestarts) {
    public Replication(boolean healthy, long remoteIndex, int consecutiveFailures, Instant lastSuccess,
        Instant lastErrorAt, String lastError) {
      this(healthy, remoteIndex, consecutiveFailures, lastSuccess, lastErrorAt, lastError, 0);
    }
  }

  /** The leader's last anti-entropy push; {@code error} null when it was applied. */
  public record Push(Instant at, String error) {}

  /** The answering server's own certificate. */
  public record Certificate(String subject, Instant notAfter) {}

  /**
   * What the answering server knows of its own DC.
   *
   * @param barrierReason why the feature barrier is closed; ignored when open
   * @param leaderProblem why the leader's routines could not be read, "" when they were
   * @param replication null when the leader reports none (the primary, or not running)
   * @param lastPush null before the first push answered
   * @param certificate null without TLS
   * @param storeProblem why the DC's store could not be read, "" when it was
   * @param replicationRoutineError the replication routine's last failure as the leader reports it
   *     (a wedge ends the routine this way), with when; "" if none
   */
  public record Local(boolean barrierOpen, String barrierReason, String leader, String leaderProblem,
      Replication replication, Push lastPush, Certificate certificate, String storeProblem,
      String replicationRoutineError) {
    public Local(boolean barrierOpen, String barrierReason, String leader, String leaderProblem,
        Replication replication, Push lastPush, Certificate certificate, String storeProblem) {
      this(barrierOpen, barrierReason, leader, leaderProblem, replication, lastPush, certificate, storeProblem, "");
    }
  }

  /**
   * @param crossDc whether this server federates across DCs (TLS): without it there is no path to judge
   * @param paths by DC, other than this one
   * @param states by DC
   * @param replicas by DC, in the primary only
   * @param asked DCs named by the caller: judged even when nothing is known of them
   */
  public record Inputs(Instant now, String node, String datacenter, String primary, boolean crossDc,
      List<Server> servers, Map<String, Path> paths, Map<String, State> states, Map<String, Replica> replicas,
      Local local, List<String> asked) {}

  public record Judgement(String datacenter, Verdict verdict, List<String> reasons) {}

  /** Every DC this server knows of (and those asked), sorted by name. */
  public static List<Judgement> judge(Inputs in) {
    TreeSet<String> dcs = new TreeSet<>();
    dcs.add(in.datacenter());
    dcs.add(in.primary());
    in.servers().forEach(s -> dcs.add(s.datacenter()));
    dcs.addAll(in.states().keySet());
    dcs.addAll(in.replicas().keySet());
    dcs.addAll(in.asked());
    List<Judgement> out = new ArrayList<>();
    for (String dc : dcs) {
      out.add(dc.equals(in.datacenter()) ? own(in) : other(in, dc));
    }
    return List.copyOf(out);
  }

  /** Rules for another DC: unreachable first (the first that holds decides), then every degradation. */
  static Judgement other(Inputs in, String dc) {
    List<Server> servers = in.servers().stream().filter(s -> s.datacenter().equals(dc)).toList();
    List<Server> present = servers.stream().filter(s -> s.status() != MemberStatus.LEFT).toList();
    List<Server> failed = of(present, MemberStatus.FAILED);
    List<Server> suspect = of(present, MemberStatus.SUSPECT);
    Path path = in.paths().getOrDefault(dc, new Path("none", List.of(), false));
    List<Gateway> failing = path.probed() ? path.gateways().stream().filter(g -> g.probeError() != null).toList()
        : List.of();
    boolean allFail = !failing.isEmpty() && failing.size() == path.gateways().size();

    List<String> unreachable = new ArrayList<>();
    if (present.isEmpty()) {
      unreachable.add(servers.isEmpty() ? "no server of " + dc + " in the WAN view of " + in.node()
          : "every server of " + dc + " has left the WAN (" + servers.size() + " left)");
    } else if (failed.size() == present.size()) {
      unreachable.add(failedText(failed, present, dc));
    }
    if (in.crossDc() && path.gateways().isEmpty()) {
      unreachable.add("no gateway known on the path to " + dc + " (" + pathWords(path.via()) + ")");
    } else if (in.crossDc() && allFail && dc.equals(in.primary())) {
      // The probe is a handshake with the primary's servers through the gateway: exactly this path.
      unreachable.add(noProbePassed(dc, path, failing));
    }
    if (!unreachable.isEmpty()) {
      return new Judgement(dc, Verdict.UNREACHABLE, unreachable);
    }

    List<String> degraded = new ArrayList<>();
    if (!failed.isEmpty()) {
      degraded.add(failedText(failed, present, dc));
    }
    if (!suspect.isEmpty()) {
      degraded.add(suspect.size() + " of " + present.size() + (present.size() == 1 ? " server" : " servers") + " of "
          + dc + " suspected in the WAN view since "
          + clock(latest(suspect)) + " (still routed to until declared failed)");
    }
    if (allFail) {
      // Towards another DC the probe (to the primary's servers) proves less: the dials go on through
      // these gateways (when all fail, all are used), and the WAN view says whether they arrive.
      degraded.add(noProbePassed(dc, path, failing) + " (the probe is a TLS handshake with a server of "
          + in.primary() + " through the gateway)");
    } else {
      for (Gateway g : failing) {
        degraded.add("gateway " + g.address() + " on the path to " + dc + " failed its probe: " + g.probeError()
            + " (" + (path.gateways().size() - failing.size()) + " of " + path.gateways().size() + " pass)");
      }
    }
    State state = in.states().get(dc);
    if (in.crossDc() && in.local().barrierOpen()) {
      if (state == null) {
        degraded.add("no federation state of " + dc + " in " + in.datacenter() + "'s store");
      } else if (state.meshGateways() == 0) {
        degraded.add(dc + "'s federation state lists no mesh gateway" + updated(state));
      }
    }
    Replica replica = in.replicas().get(dc);
    if (replica != null) {
      if (!"current".equals(replica.status())) {
        degraded.add("replication of " + dc + " is " + replica.status() + ": " + replica.reason());
      } else if (replica.lastRead() != null
          && Duration.between(replica.lastRead(), in.now()).compareTo(REPLICA_STALE_AFTER) > 0) {
        degraded.add("no replication read from " + dc + " for " + seconds(replica.lastRead(), in.now())
            + " (last at " + clock(replica.lastRead()) + ")");
      }
    }
    if (!degraded.isEmpty()) {
      return new Judgement(dc, Verdict.DEGRADED, degraded);
    }
    int n = path.gateways().size();
    String reached = !in.crossDc() ? ""
        : "; reached through " + pathWords(path.via()) + " (" + n + (n == 1 ? " gateway" : " gateways")
            + (path.probed() ? ", passing the probe" : ", not probed") + ")";
    return new Judgement(dc, Verdict.HEALTHY, List.of(servers(present.size()) + " of " + dc + " alive" + reached));
  }

  /** Rules for the answering server's own DC: it answers, so it is never unreachable. */
  static Judgement own(Inputs in) {
    String dc = in.datacenter();
    Local local = in.local();
    List<Server> present = in.servers().stream()
        .filter(s -> s.datacenter().equals(dc) && s.status() != MemberStatus.LEFT).toList();
    List<Server> failed = of(present, MemberStatus.FAILED);
    List<String> degraded = new ArrayList<>();
    List<String> notices = new ArrayList<>();
    if (!failed.isEmpty()) {
      degraded.add(failedText(failed, present, dc));
    }
    if (!local.barrierOpen()) {
      degraded.add("feature barrier closed: " + local.barrierReason());
    }
    if (!local.storeProblem().isEmpty()) {
      degraded.add("the DC's store could not be read: " + local.storeProblem());
    }
    boolean secondary = !dc.equals(in.primary());
    if (!local.leaderProblem().isEmpty()) {
      degraded.add("the leader could not be asked: " + local.leaderProblem()
          + (secondary ? "; replication and anti-entropy unknown" : "; anti-entropy unknown"));
    } else if (secondary && in.crossDc()) {
      Replication r = local.replication();
      String routine = local.replicationRoutineError().isEmpty() ? ""
          : " (the routine's last failure: " + local.replicationRoutineError() + ")";
      String wedged = r == null || r.wedgedRestarts() == 0 ? ""
          : " (the watchdog has ended " + r.wedgedRestarts() + " stalled instance" + (r.wedgedRestarts() == 1 ? "" : "s")
              + " since the leader started)";
      if (r == null) {
        degraded.add("federation-state replication is not running on the leader " + local.leader() + routine);
      } else if (r.consecutiveFailures() > 0) {
        degraded.add("replication failing: " + r.consecutiveFailures() + " failed round"
            + (r.consecutiveFailures() == 1 ? "" : "s") + " since "
            + (r.lastSuccess() == null ? "it started (never succeeded)" : "the last success " + seconds(r.lastSuccess(),
            in.now()) + " ago at " + clock(r.lastSuccess()))
            // A failed round resets the index: the next success is a full sync.
            + (r.remoteIndex() > 0 ? ", at index " + r.remoteIndex() + " of the primary" : ", a full sync due")
            + "; last error: " + Objects.toString(r.lastError(), "none") + wedged);
      } else if (r.lastSuccess() == null) {
        degraded.add("replication from " + in.primary() + " has not completed a round yet" + routine + wedged);
      } else if (Duration.between(r.lastSuccess(), in.now()).compareTo(REPLICATION_STALLED_AFTER) > 0) {
        // Every round ends within the read's longest wait; one that neither ends nor fails is stuck.
        degraded.add("replication has completed no round for " + seconds(r.lastSuccess(), in.now())
            + " (last success at " + clock(r.lastSuccess()) + ", at index " + r.remoteIndex() + ") and none failed:"
            + " a step is not answering; the watchdog restarts the routine once one is 20 s overdue" + wedged);
      }
    }
    if (local.leaderProblem().isEmpty() && local.lastPush() != null && local.lastPush().error() != null) {
      degraded.add("anti-entropy's last push at " + clock(local.lastPush().at()) + " failed: "
          + local.lastPush().error());
    }
    Certificate cert = local.certificate();
    if (cert != null) {
      Duration left = Duration.between(in.now(), cert.notAfter());
      if (left.isNegative()) {
        degraded.add("the certificate of server " + in.node() + " (" + cert.subject() + ") expired on "
            + cert.notAfter());
      } else if (left.compareTo(CERTIFICATE_WARNING) < 0) {
        String text = "the certificate of server " + in.node() + " (" + cert.subject() + ") expires in "
            + left.toDays() + (left.toDays() == 1 ? " day" : " days") + " (on " + cert.notAfter()
            + "); replace it and run meshfed reload";
        // As the TLS preflight: a warning from 30 days, urgent (here: degraded) from 7.
        (left.compareTo(CERTIFICATE_URGENT) < 0 ? degraded : notices).add(text);
      }
    }
    if (!degraded.isEmpty()) {
      degraded.addAll(notices);
      return new Judgement(dc, Verdict.DEGRADED, degraded);
    }
    String replication = secondary && in.crossDc() && local.replication() != null
        ? ", replicating from " + in.primary() + " at index " + local.replication().remoteIndex() : "";
    List<String> reasons = new ArrayList<>();
    reasons.add(servers(present.size()) + " of " + dc + " alive (this server's DC)" + replication);
    reasons.addAll(notices);
    return new Judgement(dc, Verdict.HEALTHY, List.copyOf(reasons));
  }

  private static String noProbePassed(String dc, Path path, List<Gateway> failing) {
    Gateway last = failing.get(failing.size() - 1);
    return "no gateway on the path to " + dc + " (" + pathWords(path.via()) + ") passed its probe: "
        + (failing.size() == 1 ? "" : failing.size() + " failing, ") + "last error " + last.probeError() + " at "
        + last.address();
  }

  /** "2 of 2 servers", "1 of 1 server". */
  private static String servers(int n) {
    return n + " of " + n + (n == 1 ? " server" : " servers");
  }

  private static String failedText(List<Server> failed, List<Server> present, String dc) {
    return failed.size() + " of " + present.size() + " server" + (present.size() == 1 ? "" : "s") + " of " + dc
        + " failed in the WAN view since " + clock(latest(failed));
  }

  private static List<Server> of(List<Server> servers, MemberStatus status) {
    return servers.stream().filter(s -> s.status() == status).toList();
  }

  /** Since when the set holds: the last of its members to enter it. */
  private static Instant latest(List<Server> servers) {
    return servers.stream().map(Server::since).max(Instant::compareTo).orElseThrow();
  }

  static String pathWords(String via) {
    return switch (via) {
      case "local-gateways" -> "this DC's mesh gateways";
      case "primary-gateways" -> "the primary's mesh gateways, dialed directly";
      case "static-gateways" -> "static-gateways";
      default -> "none: the gateway locator has not read the store yet";
    };
  }

  private static String updated(State state) {
    return state.updatedAt() == null ? "" : " (updated " + state.updatedAt() + ")";
  }

  static String clock(Instant at) {
    return CLOCK.format(at);
  }

  private static String seconds(Instant from, Instant to) {
    return Math.max(0, Duration.between(from, to).toSeconds()) + " s";
  }
}
