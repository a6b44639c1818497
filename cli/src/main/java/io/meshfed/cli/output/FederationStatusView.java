package io.meshfed.cli.output;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/** The table of {@code meshfed federation status}: one line per DC, as the server asked sees it. */
public final class FederationStatusView {
  private FederationStatusView() {}

  /** {@code GET /v1/operator/federation}: the fields the table shows. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Status(
      @JsonProperty("Node") String node,
      @JsonProperty("Datacenter") String datacenter,
      @JsonProperty("Primary") String primary,
      @JsonProperty("At") Instant at,
      @JsonProperty("Datacenters") List<Dc> datacenters,
      @JsonProperty("Local") Local local) {
    public Status {
      datacenters = datacenters == null ? List.of() : List.copyOf(datacenters);
    }
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Dc(
      @JsonProperty("Datacenter") String datacenter,
      @JsonProperty("Verdict") String verdict,
      @JsonProperty("Since") Instant since,
      @JsonProperty("Reasons") List<String> reasons) {
    public Dc {
      reasons = reasons == null ? List.of() : List.copyOf(reasons);
    }
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Local(@JsonProperty("Leader") String leader, @JsonProperty("LeaderError") String leaderError) {}

  public static String render(Status s) {
    StringBuilder out = new StringBuilder("As seen by server " + s.node() + " of " + s.datacenter()
        + (s.datacenter().equals(s.primary()) ? " (primary)" : " (primary " + s.primary() + ")") + " at "
        + s.at().truncatedTo(ChronoUnit.SECONDS) + ":\n");
    Table table = new Table("DATACENTER", "VERDICT", "SINCE", "REASON");
    for (Dc d : s.datacenters()) {
      table.row(d.datacenter(), d.verdict(), since(d.since(), s.at()), String.join("; ", d.reasons()));
    }
    return out.append(table.render()).toString();
  }

  /** The time of day it began (UTC, as the reasons say it) and how long ago, e.g. {@code 18:02:11 (3m05s ago)}. */
  static String since(Instant since, Instant now) {
    if (since == null) {
      return "";
    }
    Duration ago = Duration.between(since, now);
    if (ago.isNegative()) {
      ago = Duration.ZERO;
    }
    String clock = since.truncatedTo(ChronoUnit.SECONDS).toString().substring(11, 19);
    long h = ago.toHours();
    long m = ago.toMinutesPart();
    long sec = ago.toSecondsPart();
    String age = h > 0 ? h + "h" + String.format("%02dm", m) : m > 0 ? m + "m" + String.format("%02ds", sec)
        : sec + "s";
    return clock + " (" + age + " ago)";
  }
}
