package io.meshfed.cli.output;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

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
      @JsonProperty("LastErrorAt") String lastErrorAt) {}

  public static String render(Report report) {
    String head = "Leader: " + report.leader() + "\n";
    if (report.routines().isEmpty()) {
      return head + "No routines.\n";
    }
    Table table = new Table("ROUTINE", "RUNNING", "RESTARTS", "LAST-ERROR", "AT");
    for (Routine r : report.routines()) {
      table.row(r.name(), r.running() ? "yes" : "no", Integer.toString(r.restarts()), r.lastError(), r.lastErrorAt());
    }
    return head + table.render();
  }
}
