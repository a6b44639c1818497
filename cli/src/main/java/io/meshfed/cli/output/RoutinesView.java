package io.meshfed.cli.output;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The table of {@code meshfed operator routines}. */
public final class RoutinesView {
  private RoutinesView() {}

  /** {@code GET /v1/operator/routines}. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Report(@JsonProperty("Leader") String leader, @JsonProperty("Routines") List<Routine> routines) {
    public Report {
      routines = routines == null ? List.of() : List.copyOf(routines);
    }
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Routine(
      @JsonProperty("Name") String name,
      @JsonProperty("Running") boolean running,
      @JsonProperty("Restarts") int restarts,
      @JsonProperty("LastError") String lastError,
      @JsonProperty("LastErrorAt") String lastErrorAt,
      @JsonProperty("Details") Map<String, String> details) {
    public Routine {
      details = details == null ? Map.of() : new TreeMap<>(details);
    }
  }

  public static String render(Report report) {
    String head = "Leader: " + report.leader() + "\n";
    if (report.routines().isEmpty()) {
      return head + "No routines.\n";
    }
    Table table = new Table("ROUTINE", "RUNNING", "RESTARTS", "LAST-ERROR", "AT");
    for (Routine r : report.routines()) {
      table.row(r.name(), r.running() ? "yes" : "no", Integer.toString(r.restarts()), r.lastError(), r.lastErrorAt());
    }
    StringBuilder out = new StringBuilder(head).append(table.render());
    for (Routine r : report.routines()) {
      if (!r.details().isEmpty()) {
        out.append('\n').append(r.name()).append(":\n");
        r.details().forEach((k, v) -> out.append("  ").append(k).append(": ").append(v).append('\n'));
      }
    }
    return out.toString();
  }
}
