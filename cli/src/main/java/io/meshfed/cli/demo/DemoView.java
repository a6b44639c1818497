package io.meshfed.cli.demo;

import io.meshfed.cli.output.Addresses;
import io.meshfed.cli.output.Table;
import io.meshfed.protocol.model.CheckServiceNode;
import io.meshfed.protocol.model.FederationState;
import io.meshfed.protocol.model.Member;
import io.meshfed.protocol.model.NodeService;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/** The text of {@code meshfed demo}: its legend, and the live view rendered from what each DC's server answered. */
public final class DemoView {
  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

  private DemoView() {}

  /**
   * What one DC's server answered: its WAN members ({@code GET /v1/agent/members?wan=1}) and the
   * federation states it holds ({@code GET /v1/internal/federation-states}), or why it did not.
   */
  public record Snapshot(DemoDc dc, List<Member> wanMembers, String membersError, List<FederationState> states,
      String statesError) {
    public Snapshot {
      wanMembers = wanMembers == null ? List.of() : List.copyOf(wanMembers);
      states = states == null ? List.of() : List.copyOf(states);
    }

    public static Snapshot of(DemoDc dc, List<Member> wanMembers, List<FederationState> states) {
      return new Snapshot(dc, wanMembers, null, states, null);
    }

    public static Snapshot failed(DemoDc dc, String error) {
      return new Snapshot(dc, List.of(), error, List.of(), error);
    }

    boolean unreachable() {
      return membersError != null && membersError.equals(statesError);
    }
  }

  /** One line: converged, or what is still missing. */
  public record Headline(boolean converged, String text) {}

  /**
   * Converged when every DC's server answers, sees all N servers alive on the WAN and holds N
   * federation states, each with at least one gateway.
   */
  public static Headline headline(List<Snapshot> snapshots) {
    int n = snapshots.size();
    Set<String> all = snapshots.stream().map(s -> s.dc().name()).collect(Collectors.toCollection(TreeSet::new));
    List<String> missing = new ArrayList<>();
    for (Snapshot s : snapshots) {
      if (s.unreachable()) {
        missing.add(s.dc().name() + " does not answer (" + s.membersError() + ")");
        continue;
      }
      List<String> lacks = new ArrayList<>();
      long alive = s.wanMembers().stream().filter(m -> Member.ALIVE.equals(m.status())).count();
      if (s.membersError() != null) {
        lacks.add("WAN members unknown (" + s.membersError() + ")");
      } else if (alive < n) {
        lacks.add(alive + " of " + n + " WAN members alive");
      }
      if (s.statesError() != null) {
        // the reason in full is in the DC's section below
        String reason = s.statesError().startsWith("HTTP ") ? s.statesError().replaceFirst(":.*", "") : s.statesError();
        lacks.add("federation states not served (" + reason + ")");
        missing.add(s.dc().name() + ": " + String.join(", ", lacks));
        continue;
      }
      Set<String> held = s.states().stream().filter(f -> !f.meshGateways().isEmpty())
          .map(FederationState::datacenter).collect(Collectors.toCollection(TreeSet::new));
      Set<String> absent = new TreeSet<>(all);
      absent.removeAll(held);
      if (!absent.isEmpty()) {
        lacks.add("no federation state with a gateway for " + String.join(", ", absent));
      }
      if (!lacks.isEmpty()) {
        missing.add(s.dc().name() + ": " + String.join(", ", lacks));
      }
    }
    if (missing.isEmpty()) {
      return new Headline(true, "converged: every DC sees " + count(n, "alive WAN member") + " and "
          + count(n, "federation state"));
    }
    return new Headline(false, "not converged yet: " + String.join("; ", missing));
  }

  /** The block printed at each refresh: a title, per DC its members and states, then the headline. */
  public static String render(List<Snapshot> snapshots, Instant now, Duration uptime, ZoneId zone) {
    StringBuilder out = new StringBuilder();
    out.append("== meshfed demo: ").append(count(snapshots.size(), "datacenter")).append(", up ")
        .append(duration(uptime)).append(", ").append(CLOCK.format(LocalTime.ofInstant(now, zone))).append(" ==\n");
    for (Snapshot s : snapshots) {
      DemoDc dc = s.dc();
      out.append('\n').append(dc.name()).append(dc.primary() ? " (primary)" : "")
          .append("   server ").append(dc.httpAddress()).append(" (HTTP)   gateway ").append(dc.gatewayAddress())
          .append('\n');
      if (s.unreachable()) {
        out.append("  no answer: ").append(s.membersError()).append('\n');
        continue;
      }
      long alive = s.wanMembers().stream().filter(m -> Member.ALIVE.equals(m.status())).count();
      if (s.membersError() != null) {
        out.append("  WAN members: no answer: ").append(s.membersError()).append('\n');
      } else if (s.wanMembers().isEmpty()) {
        out.append("  WAN members: none yet\n");
      } else {
        out.append("  WAN members (").append(alive).append(" alive): ")
            .append(s.wanMembers().stream().sorted((a, b) -> a.name().compareTo(b.name()))
                .map(m -> m.name() + " " + m.status()).collect(Collectors.joining(", ")))
            .append('\n');
      }
      if (s.statesError() != null) {
        out.append("  federation states: not served yet: ").append(s.statesError()).append('\n');
      } else if (s.states().isEmpty()) {
        out.append("  federation states held: none yet\n");
      } else {
        out.append("  federation states held (").append(s.states().size()).append("):\n");
        Table states = new Table("DC", "GATEWAYS (node address)", "MODIFY-INDEX", "UPDATED");
        s.states().stream().sorted((a, b) -> a.datacenter().compareTo(b.datacenter()))
            .forEach(f -> states.row(f.datacenter(), gateways(f.meshGateways()), Long.toString(f.modifyIndex()),
                f.updatedAt() == null ? "-" : duration(Duration.between(f.updatedAt(), now)) + " ago"));
        out.append(indent(states.render()));
      }
    }
    // Last, where a terminal and `| tail` show it even when the view is taller than the screen.
    out.append('\n').append(headline(snapshots).text()).append('\n');
    return out.toString();
  }

  /** Printed once above the view: what is running, what the view shows, what to try. */
  public static String legend(List<DemoDc> dcs, Path dir, Path jar, Map<String, Long> gatewayPids, String stop) {
    StringBuilder out = new StringBuilder();
    out.append("meshfed demo: ").append(count(dcs.size(), "datacenter"))
        .append(" on loopback, each one server and one mesh gateway; dc1 is the primary.\n");
    for (DemoDc dc : dcs) {
      out.append("  ").append(dc.name()).append(": server ").append(dc.node()).append(" HTTP ").append(dc.httpAddress())
          .append(", gRPC ").append(dc.grpcAddress()).append("; gateway ").append(dc.gatewayName()).append(' ')
          .append(dc.gatewayAddress());
      Long pid = gatewayPids.get(dc.name());
      if (pid != null) {
        out.append(" (pid ").append(pid).append(')');
      }
      out.append('\n');
    }
    DemoDc last = dcs.get(dcs.size() - 1);
    out.append("""
        What you see, per DC, as that DC's server reports it:
          WAN members        the servers of all DCs, known through WAN gossip; "alive" when they answer probes,
                             "failed" when they stop answering.
          federation states  per DC, the mesh gateways it runs (node name and WAN address), with the index and
                             age of its last change. Each DC writes its own; the primary collects them and every
                             secondary copies them from it. This is how a DC learns where the others' gateways are.
        Traffic between DCs only goes through the mesh gateways: a secondary was given nothing but dc1's
        gateway address (primary-gateways); its server never connects to another DC's server directly.
        "converged" means every DC sees every server alive and holds every DC's federation state.
        Try:
        """);
    out.append("  curl -s http://").append(last.httpAddress()).append("/v1/agent/members?wan=1\n");
    out.append("  curl -s http://").append(last.httpAddress()).append("/v1/internal/federation-states\n");
    out.append("  java -jar ").append(jar).append(" federation-state list --http-addr ").append(last.httpAddress())
        .append('\n');
    out.append("  java -jar ").append(jar).append(" federation status --http-addr ").append(last.httpAddress())
        .append('\n');
    out.append("  open http://").append(last.httpAddress()).append("/ui/ in a browser: the federation map\n");
    if (dcs.size() > 1 && gatewayPids.containsKey(last.name())) {
      out.append("  kill ").append(gatewayPids.get(last.name())).append("   # stop ").append(last.name())
          .append("'s gateway, then watch ").append(last.name()).append("'s state lose ").append(last.gatewayName())
          .append(" in every DC and the WAN members turn failed\n");
    }
    out.append("Certificates, configuration, data and logs (dcN-server.log, dcN-gateway.log): ").append(dir)
        .append('\n');
    out.append(stop).append('\n');
    return out.toString();
  }

  static String gateways(List<CheckServiceNode> gateways) {
    if (gateways.isEmpty()) {
      return "none";
    }
    return gateways.stream()
        .map(g -> (g.node() == null ? "?" : g.node().node()) + " " + Addresses.tagged(g, NodeService.TAG_WAN))
        .sorted()
        .collect(Collectors.joining(", "));
  }

  /** {@code 4s}, {@code 2m05s}, {@code 1h02m}; negative (clock skew) shows as {@code 0s}. */
  static String duration(Duration d) {
    long s = Math.max(0, d.getSeconds());
    if (s < 60) {
      return s + "s";
    }
    if (s < 3600) {
      return String.format("%dm%02ds", s / 60, s % 60);
    }
    return String.format("%dh%02dm", s / 3600, (s % 3600) / 60);
  }

  static String count(long n, String noun) {
    return n + " " + noun + (n == 1 ? "" : "s");
  }

  private static String indent(String text) {
    return text.lines().map(l -> "    " + l + "\n").collect(Collectors.joining());
  }
}
