package io.meshfed.it;

import io.meshfed.it.Federation.Server;
import io.meshfed.it.PropagationWatch.Stats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The timed changes of one run: per change, when it started, when its registration was answered,
 * its record's {@code UpdatedAt} (stamped by the anti-entropy push that carried it) and when each
 * server first held it, all on {@link PropagationWatch#now()}'s clock. Stages, from the start:
 * registered, pushed, first held by a primary server (the primary's store has it), held by every
 * primary server, held by each secondary, held everywhere (the figure).
 */
final class Propagation {
  private final String primary;
  private final List<String> secondaries;
  private final List<Sample> samples = new ArrayList<>();

  Propagation(String primary, List<String> secondaries) {
    this.primary = primary;
    this.secondaries = List.copyOf(secondaries);
  }

  /**
   * @param updatedAt null when the record carried none
   * @param seen first-seen time per server
   */
  record Sample(int change, String dc, long start, long registered, Long updatedAt, Map<Server, Long> seen) {
    long everywhere() {
      return seen.values().stream().mapToLong(Long::longValue).max().orElseThrow() - start;
    }

    Long firstIn(String datacenter) {
      return seen.entrySet().stream().filter(e -> e.getKey().dc.name.equals(datacenter))
          .mapToLong(Map.Entry::getValue).min().stream().boxed().findFirst().map(t -> t - start).orElse(null);
    }

    Long lastIn(String datacenter) {
      return seen.entrySet().stream().filter(e -> e.getKey().dc.name.equals(datacenter))
          .mapToLong(Map.Entry::getValue).max().stream().boxed().findFirst().map(t -> t - start).orElse(null);
    }
  }

  void add(Sample s) {
    samples.add(s);
  }

  /** Registration to visibility in every server, ms. */
  Stats total() {
    return Stats.of(millis());
  }

  List<Long> millis() {
    return samples.stream().map(s -> s.everywhere() / 1000).toList();
  }

  /** Each stage's time from the start, ms. */
  Map<String, Stats> stages() {
    Map<String, Stats> out = new LinkedHashMap<>();
    out.put("registered (catalog write answered)", stage(s -> s.registered() - s.start()));
    out.put("pushed (record's UpdatedAt)", stage(s -> s.updatedAt() == null ? null : s.updatedAt() - s.start()));
    out.put("in the primary's store", stage(s -> s.firstIn(primary)));
    out.put("in every primary server", stage(s -> s.lastIn(primary)));
    for (String dc : secondaries) {
      out.put("in " + dc, stage(s -> s.lastIn(dc)));
    }
    out.put("everywhere", stage(Sample::everywhere));
    out.put("everywhere, changes in the primary", stage(s -> s.dc().equals(primary) ? s.everywhere() : null));
    out.put("everywhere, changes in a secondary", stage(s -> s.dc().equals(primary) ? null : s.everywhere()));
    return out;
  }

  private Stats stage(Function<Sample, Long> micros) {
    return Stats.of(samples.stream().map(micros).filter(v -> v != null).map(v -> v / 1000).toList());
  }

  /** One line per change, times in µs from its start, for a closer look. */
  void write(Path csv) throws Exception {
    List<String> servers = samples.isEmpty() ? List.of()
        : samples.get(0).seen().keySet().stream().map(s -> s.node + "." + s.dc.name).toList();
    List<String> lines = new ArrayList<>();
    lines.add("change,dc,registered_us,pushed_us," + String.join(",", servers) + ",everywhere_us");
    for (Sample s : samples) {
      lines.add(s.change() + "," + s.dc() + "," + (s.registered() - s.start()) + ","
          + (s.updatedAt() == null ? "" : Long.toString(s.updatedAt() - s.start())) + ","
          + s.seen().values().stream().map(t -> Long.toString(t - s.start())).collect(Collectors.joining(","))
          + "," + s.everywhere());
    }
    Files.createDirectories(csv.toAbsolutePath().getParent());
    Files.write(csv, lines);
  }
}
