package io.meshfed.cli.output;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;

/** The output of {@code meshfed federation-state rollout}. */
public final class RolloutView {
  private RolloutView() {}

  /** {@code GET /v1/internal/federation-states/rollout}. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Rollout(
      @JsonProperty("Primary") String primary,
      @JsonProperty("PrimaryStateIndex") long primaryStateIndex,
      @JsonProperty("Gateways") List<Gateway> gateways,
      @JsonProperty("Datacenters") List<Datacenter> datacenters,
      @JsonProperty("Complete") boolean complete,
      @JsonProperty("Removal") Removal removal) {
    public Rollout {
      gateways = gateways == null ? List.of() : List.copyOf(gateways);
      datacenters = datacenters == null ? List.of() : List.copyOf(datacenters);
    }
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Gateway(@JsonProperty("Node") String node, @JsonProperty("Address") String address) {
    @Override
    public String toString() {
      return node == null || node.isEmpty() ? address : node + " " + address;
    }
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Datacenter(
      @JsonProperty("Datacenter") String datacenter,
      @JsonProperty("Status") String status,
      @JsonProperty("PrimaryStateIndex") long primaryStateIndex,
      @JsonProperty("Dials") List<Gateway> dials,
      @JsonProperty("OldGateways") List<Gateway> oldGateways,
      @JsonProperty("LastRead") Instant lastRead,
      @JsonProperty("HeardBy") String heardBy,
      @JsonProperty("Reason") String reason) {
    public Datacenter {
      dials = dials == null ? List.of() : List.copyOf(dials);
      oldGateways = oldGateways == null ? List.of() : List.copyOf(oldGateways);
    }
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Removal(
      @JsonProperty("Remove") List<String> remove,
      @JsonProperty("Safe") boolean safe,
      @JsonProperty("Lagging") List<String> lagging,
      @JsonProperty("Message") String message) {}

  /** The primary's gateways, a row per DC, the reason of each DC that is not current, and the verdict. */
  public static String render(Rollout r, Instant now) {
    StringBuilder out = new StringBuilder("Primary ").append(r.primary()).append(": ");
    out.append(r.gateways().isEmpty() ? "no gateways" : "gateways " + r.gateways().stream().map(Gateway::toString)
        .collect(Collectors.joining(", "))).append(" (index ").append(r.primaryStateIndex()).append(")\n");
    if (r.datacenters().isEmpty()) {
      out.append("No other datacenters.\n");
    } else {
      Table table = new Table("DATACENTER", "STATUS", "INDEX", "LAST-READ", "HEARD-BY", "DIALS");
      for (Datacenter d : r.datacenters()) {
        table.row(d.datacenter(), d.status(), Long.toString(d.primaryStateIndex()), ago(d.lastRead(), now),
            d.heardBy(), d.dials().stream().map(g -> g.node() + (d.oldGateways().contains(g) ? " (old)" : ""))
                .collect(Collectors.joining(", ")));
      }
      out.append(table.render());
      r.datacenters().stream().filter(d -> !"current".equals(d.status()))
          .forEach(d -> out.append(d.datacenter()).append(": ").append(d.reason()).append('\n'));
    }
    out.append(r.complete() ? "Every datacenter has " + r.primary() + "'s current gateways.\n"
        : "Not every datacenter has " + r.primary() + "'s current gateways yet.\n");
    return out.toString();
  }

  private static String ago(Instant at, Instant now) {
    if (at == null) {
      return "never";
    }
    long s = Math.max(0, Duration.between(at, now).toSeconds());
    return s < 120 ? s + "s ago" : s / 60 + "m ago";
  }
}
