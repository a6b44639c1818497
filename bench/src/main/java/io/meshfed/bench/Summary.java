package io.meshfed.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The table bench/gateway.sh ends with: per target, the median of each measurement over the
 * rounds (connection errors: the sum), the ratio meshfed/peer for every peer that ran (HAProxy,
 * nginx) and meshfed/direct where more is better, and the latency each hop adds to direct.
 */
final class Summary {
  static final String DIRECT = "direct";
  static final String HAPROXY = "haproxy";
  static final String NGINX = "nginx";
  static final String MESHFED = "meshfed";
  /** The proxies the gateway is compared with, in the table's order. */
  static final List<String> PEERS = List.of(HAPROXY, NGINX);
  /**
   * The gateway's goal for throughput and connection rate, as a share of each peer's; its added p99
   * latency must not exceed a peer's either (docs/benchmarks.md).
   */
  static final double GOAL = 1.0;

  private static final Pattern RESULT =
      Pattern.compile("^RESULT target=(\\S+) test=(\\S+) value=(\\S+) unit=\\S+\\s*$");

  /** A row of the table: a test's name in RESULT lines, how it reads to people, whether more is better. */
  private record Row(String test, String label, String unit, boolean ratio) {}

  private static final List<Row> ROWS = List.of(
      new Row("throughput_up", "throughput up", "MiB/s", true),
      new Row("throughput_down", "throughput down", "MiB/s", true),
      new Row("throughput_total", "throughput both ways", "MiB/s", true),
      new Row("conn_rate", "new TLS connections", "conn/s", true),
      new Row("conn_errors", "connection errors (sum)", "count", false),
      new Row("latency_p50", "latency p50", "us", false),
      new Row("latency_p90", "latency p90", "us", false),
      new Row("latency_p99", "latency p99", "us", false),
      new Row("latency_max", "latency max", "us", false),
      // Written by bench/gateway.sh from /proc and jstat, once per run: the proxy's own process(es).
      new Row("rss_peak", "proxy peak RSS", "MiB", false),
      new Row("heap_used_max", "proxy heap used, max", "MiB", false),
      new Row("gc_pause_total", "proxy GC pauses, total", "ms", false));
  private static final List<String> ADDED = List.of("latency_p50", "latency_p99");

  /** target → test → values of every round, in the order they came. */
  private final Map<String, Map<String, List<Double>>> values = new LinkedHashMap<>();

  static Summary of(List<String> lines) {
    Summary summary = new Summary();
    for (String line : lines) {
      Matcher m = RESULT.matcher(line);
      if (m.matches()) {
        summary.values.computeIfAbsent(m.group(1), t -> new LinkedHashMap<>())
            .computeIfAbsent(m.group(2), t -> new ArrayList<>()).add(Double.parseDouble(m.group(3)));
      }
    }
    return summary;
  }

  /** The median over the rounds (the sum for error counts); NaN when the target has none. */
  double value(String target, String test) {
    List<Double> all = values.getOrDefault(target, Map.of()).getOrDefault(test, List.of());
    if (all.isEmpty()) {
      return Double.NaN;
    }
    if (test.equals("conn_errors")) {
      return all.stream().mapToDouble(Double::doubleValue).sum();
    }
    double[] sorted = all.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }

  /** Client runs of a target: the most values any of its tests has. */
  int rounds(String target) {
    return values.getOrDefault(target, Map.of()).values().stream().mapToInt(List::size).max().orElse(0);
  }

  String table() {
    List<String> targets = targets();
    List<String> against = comparedWith(targets);
    StringBuilder out = new StringBuilder();
    List<String> header = new ArrayList<>(List.of("measurement", "unit"));
    header.addAll(targets);
    against.forEach(other -> header.add(MESHFED + "/" + other));
    line(out, header);
    for (Row row : ROWS) {
      if (targets.stream().allMatch(t -> Double.isNaN(value(t, row.test())))) {
        continue;
      }
      List<String> cells = new ArrayList<>(List.of(row.label(), row.unit()));
      targets.forEach(t -> cells.add(number(value(t, row.test()), "")));
      against.forEach(other -> cells.add(row.ratio() ? ratio(ratio(row.test(), other)) : ""));
      line(out, cells);
    }
    if (targets.contains(DIRECT)) {
      for (String test : ADDED) {
        if (Double.isNaN(value(DIRECT, test))) {
          continue;
        }
        List<String> cells = new ArrayList<>(List.of("added " + test.replace('_', ' ') + " vs direct", "us"));
        targets.forEach(t -> cells.add(t.equals(DIRECT) ? "" : number(added(t, test), "+")));
        // Under a peer: how much more (+) or less (-) the gateway adds than that peer.
        against.forEach(other -> cells.add(other.equals(DIRECT) ? "" : number(added(MESHFED, test) - added(other, test), "+")));
        line(out, cells);
      }
    }
    List<String> rounds = targets.stream().map(t -> t + " " + rounds(t)).toList();
    out.append("medians over the rounds (").append(String.join(", ", rounds)).append(")\n");
    for (String other : against) {
      double throughput = ratio("throughput_total", other);
      double connections = ratio("conn_rate", other);
      if (other.equals(DIRECT)) {
        out.append(String.format(Locale.ROOT, "meshfed/direct: throughput %s, connection rate %s (the limit, no hop: 1.00x)%n",
            ratio(throughput), ratio(connections)));
        continue;
      }
      boolean met = throughput >= GOAL && connections >= GOAL;
      String latency = "";
      if (targets.contains(DIRECT)) {
        double mine = added(MESHFED, "latency_p99");
        double theirs = added(other, "latency_p99");
        met &= mine <= theirs;
        latency = String.format(Locale.ROOT, ", added p99 %s us against %s", number(mine, "+"), number(theirs, "+"));
      }
      out.append(String.format(Locale.ROOT, "meshfed/%s: throughput %s, connection rate %s%s (goal: at least %.1fx each%s): %s%n",
          other, ratio(throughput), ratio(connections), latency, GOAL,
          targets.contains(DIRECT) ? ", added p99 no more" : "", met ? "met" : "NOT met"));
    }
    return out.toString();
  }

  /**
   * The rows bench/all.sh puts in its table, tab-separated: measurement, unit, which way is better,
   * meshfed's value, then PEER=VALUE for every peer that ran and direct (its value is the limit).
   * Nothing without meshfed.
   */
  String rows() {
    List<String> targets = targets();
    if (!targets.contains(MESHFED)) {
      return "";
    }
    List<String> against = comparedWith(targets);
    StringBuilder out = new StringBuilder();
    for (String test : List.of("throughput_total", "conn_rate")) {
      Row row = ROWS.stream().filter(r -> r.test().equals(test)).findFirst().orElseThrow();
      List<String> cells = new ArrayList<>(List.of("gateway " + row.label(), row.unit(), "higher", tsv(value(MESHFED, test))));
      against.forEach(other -> cells.add(other + "=" + tsv(value(other, test))));
      out.append(String.join("\t", cells)).append('\n');
    }
    if (targets.contains(DIRECT)) {
      for (String test : ADDED) {
        List<String> cells = new ArrayList<>(List.of("gateway added " + test.replace('_', ' ') + " vs direct", "us",
            "lower", tsv(added(MESHFED, test))));
        against.stream().filter(o -> !o.equals(DIRECT)).forEach(other -> cells.add(other + "=" + tsv(added(other, test))));
        out.append(String.join("\t", cells)).append('\n');
      }
    }
    for (String test : List.of("rss_peak", "heap_used_max")) {
      if (Double.isNaN(value(MESHFED, test))) {
        continue;
      }
      Row row = ROWS.stream().filter(r -> r.test().equals(test)).findFirst().orElseThrow();
      List<String> cells = new ArrayList<>(List.of("gateway " + row.label(), row.unit(), "lower", tsv(value(MESHFED, test))));
      PEERS.stream().filter(p -> !Double.isNaN(value(p, test))).forEach(p -> cells.add(p + "=" + tsv(value(p, test))));
      out.append(String.join("\t", cells)).append('\n');
    }
    return out.toString();
  }

  private static String tsv(double value) {
    return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%.1f", value);
  }

  /** meshfed's median over {@code other}'s for {@code test}. */
  double ratio(String test, String other) {
    return value(MESHFED, test) / value(other, test);
  }

  private double added(String target, String test) {
    return value(target, test) - value(DIRECT, test);
  }

  /** What meshfed is compared with: every peer that ran, then direct. None without meshfed. */
  private List<String> comparedWith(List<String> targets) {
    if (!targets.contains(MESHFED)) {
      return List.of();
    }
    List<String> against = new ArrayList<>();
    PEERS.stream().filter(targets::contains).forEach(against::add);
    if (targets.contains(DIRECT)) {
      against.add(DIRECT);
    }
    return against;
  }

  /** Known targets first, in the order of the comparison, then any other. */
  private List<String> targets() {
    Set<String> ordered = new LinkedHashSet<>();
    for (String known : List.of(DIRECT, HAPROXY, NGINX, MESHFED)) {
      if (values.containsKey(known)) {
        ordered.add(known);
      }
    }
    ordered.addAll(values.keySet());
    return List.copyOf(ordered);
  }

  private static void line(StringBuilder out, List<String> cells) {
    out.append(String.format(Locale.ROOT, "%-34s %-7s", cells.get(0), cells.get(1)));
    for (String cell : cells.subList(2, cells.size())) {
      out.append(String.format(Locale.ROOT, " %15s", cell));
    }
    out.append('\n');
  }

  private static String number(double value, String plusSign) {
    if (Double.isNaN(value)) {
      return "-";
    }
    return String.format(Locale.ROOT, "%s%.1f", value >= 0 ? plusSign : "", value);
  }

  private static String ratio(double value) {
    return Double.isNaN(value) || Double.isInfinite(value) ? "-" : String.format(Locale.ROOT, "%.2fx", value);
  }
}
