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
 * rounds (connection errors: the sum), the ratio meshfed/haproxy where more is better, and the
 * latency each hop adds to direct.
 */
final class Summary {
  static final String DIRECT = "direct";
  static final String HAPROXY = "haproxy";
  static final String MESHFED = "meshfed";
  /** The gateway's goal for throughput and connection rate, as a share of HAProxy's (docs/benchmarks.md). */
  static final double GOAL = 0.9;

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
      new Row("latency_max", "latency max", "us", false));
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
    boolean ratio = targets.contains(MESHFED) && targets.contains(HAPROXY);
    StringBuilder out = new StringBuilder();
    List<String> header = new ArrayList<>(List.of("measurement", "unit"));
    header.addAll(targets);
    if (ratio) {
      header.add("meshfed/haproxy");
    }
    line(out, header);
    for (Row row : ROWS) {
      List<String> cells = new ArrayList<>(List.of(row.label(), row.unit()));
      targets.forEach(t -> cells.add(number(value(t, row.test()), "")));
      if (ratio) {
        cells.add(row.ratio() ? ratio(value(MESHFED, row.test()) / value(HAPROXY, row.test())) : "");
      }
      line(out, cells);
    }
    if (targets.contains(DIRECT)) {
      for (String test : ADDED) {
        List<String> cells = new ArrayList<>(List.of("added " + test.replace('_', ' ') + " vs direct", "us"));
        targets.forEach(t -> cells.add(t.equals(DIRECT) ? "" : number(value(t, test) - value(DIRECT, test), "+")));
        if (ratio) {
          cells.add("");
        }
        line(out, cells);
      }
    }
    List<String> rounds = targets.stream().map(t -> t + " " + rounds(t)).toList();
    out.append("medians over the rounds (").append(String.join(", ", rounds)).append(")\n");
    if (ratio) {
      double throughput = value(MESHFED, "throughput_total") / value(HAPROXY, "throughput_total");
      double connections = value(MESHFED, "conn_rate") / value(HAPROXY, "conn_rate");
      out.append(String.format(Locale.ROOT, "meshfed/haproxy: throughput %s, connection rate %s (goal: at least %.1fx each): %s%n",
          ratio(throughput), ratio(connections), GOAL, throughput >= GOAL && connections >= GOAL ? "met" : "NOT met"));
    }
    return out.toString();
  }

  /** Known targets first, in the order of the comparison, then any other. */
  private List<String> targets() {
    Set<String> ordered = new LinkedHashSet<>();
    for (String known : List.of(DIRECT, HAPROXY, MESHFED)) {
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
